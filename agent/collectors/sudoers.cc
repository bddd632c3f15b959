#include "agent/collectors/sudoers.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "agent/collectors/text_lines.h"

namespace veu::collectors {
namespace {

constexpr size_t kMaxSudoersFiles = 256;
constexpr int kMaxAliasDepth = 8;

const std::set<std::string_view>& Tags() {
  static const auto* tags = new std::set<std::string_view>{
      "NOPASSWD",  "PASSWD",      "NOEXEC",     "EXEC",         "SETENV", "NOSETENV",
      "LOG_INPUT", "NOLOG_INPUT", "LOG_OUTPUT", "NOLOG_OUTPUT", "MAIL",   "NOMAIL",
      "FOLLOW",    "NOFOLLOW",    "INTERCEPT",  "NOINTERCEPT"};
  return *tags;
}

const std::set<std::string_view>& Options() {
  static const auto* options = new std::set<std::string_view>{
      "ROLE", "TYPE",   "TIMEOUT",          "NOTBEFORE", "NOTAFTER",
      "CWD",  "CHROOT", "APPARMOR_PROFILE", "PRIVS",     "LIMITPRIVS"};
  return *options;
}

struct LogicalLine {
  uint32_t number;
  std::string text;
};

bool IsAliasName(std::string_view s) {
  if (s.empty() || !absl::ascii_isupper(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!absl::ascii_isupper(static_cast<unsigned char>(c)) &&
        !absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != '_') {
      return false;
    }
  }
  return true;
}

// Splits on `sep` outside parentheses and not escaped with '\'.
std::vector<std::string> SplitUnescaped(std::string_view s, char sep) {
  std::vector<std::string> out(1);
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\\' && i + 1 < s.size()) {
      out.back() += c;
      out.back() += s[++i];
      continue;
    }
    if (c == '(') ++depth;
    if (c == ')' && depth > 0) --depth;
    if (c == sep && depth == 0) {
      out.emplace_back();
      continue;
    }
    out.back() += c;
  }
  for (auto& part : out) part = std::string(Trim(part));
  return out;
}

// Removes a trailing comment: '#' at the start or after whitespace, not followed by a digit
// (which would be a uid such as "#0").
std::string StripComment(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
      continue;
    }
    if (s[i] != '#') continue;
    const bool at_word_start = i == 0 || absl::ascii_isspace(static_cast<unsigned char>(s[i - 1]));
    const bool uid = i + 1 < s.size() && absl::ascii_isdigit(static_cast<unsigned char>(s[i + 1]));
    if (at_word_start && !uid) return std::string(s.substr(0, i));
    if (i == 0) return "";
  }
  return std::string(s);
}

bool ConsumeDirective(std::string_view* line, std::string_view name) {
  std::string_view rest = *line;
  if (!rest.starts_with(name)) return false;
  rest.remove_prefix(name.size());
  if (rest.empty() || !absl::ascii_isspace(static_cast<unsigned char>(rest[0]))) return false;
  *line = Trim(rest);
  return true;
}

class Parser {
 public:
  Parser(std::string_view path, SudoersFile* out) : path_(path), out_(out) {}

  void Error(uint32_t line, std::string_view message) {
    v1::CollectionError e;
    e.set_source_path(std::string(path_));
    e.set_line(line);
    e.set_message(absl::StrFormat("%s:%d: %s", path_, line, message));
    out_->errors.push_back(std::move(e));
  }

  void Line(const LogicalLine& l) {
    std::string_view raw = Trim(l.text);
    if (raw.empty()) return;
    for (auto [name, dir] : {std::pair{"#includedir", true}, std::pair{"@includedir", true},
                             std::pair{"#include", false}, std::pair{"@include", false}}) {
      std::string_view rest = raw;
      if (ConsumeDirective(&rest, name)) {
        std::string target(rest);
        if (target.size() >= 2 && target.front() == '"' && target.back() == '"') {
          target = target.substr(1, target.size() - 2);
        }
        if (target.empty() || target.find_first_of(" \t") != std::string::npos) {
          Error(l.number, std::string(name) + " needs exactly one path");
          return;
        }
        out_->includes.push_back({target, dir, l.number});
        return;
      }
    }
    const std::string stripped = StripComment(raw);
    std::string_view text = Trim(stripped);
    if (text.empty()) return;
    if (text.starts_with("Defaults")) {
      const char next = text.size() > 8 ? text[8] : ' ';
      if (absl::ascii_isspace(static_cast<unsigned char>(next)) || next == ':' || next == '@' ||
          next == '!' || next == '>') {
        for (std::string_view tok : SplitAny(text, " \t,")) {
          if (tok == "!authenticate") {
            out_->authenticate_disabled_at.push_back(absl::StrFormat("%s:%d", path_, l.number));
          }
        }
        return;
      }
    }
    for (std::string_view kind :
         {"User_Alias", "Runas_Alias", "Host_Alias", "Cmnd_Alias", "Cmd_Alias"}) {
      std::string_view rest = text;
      if (ConsumeDirective(&rest, kind)) {
        Alias(kind, rest, l.number);
        return;
      }
    }
    UserSpec(text, l.number);
  }

 private:
  void Alias(std::string_view kind, std::string_view rest, uint32_t line) {
    for (const std::string& def : SplitUnescaped(rest, ':')) {
      const size_t eq = def.find('=');
      const std::string_view name = Trim(std::string_view(def).substr(0, eq));
      if (eq == std::string::npos || !IsAliasName(name)) {
        Error(line, std::string(kind) + " needs NAME = item, ... with an upper-case NAME");
        return;
      }
      std::vector<std::string> items = SplitUnescaped(std::string_view(def).substr(eq + 1), ',');
      std::map<std::string, std::vector<std::string>>* table = nullptr;
      if (kind == "User_Alias") table = &out_->user_aliases;
      if (kind == "Runas_Alias") table = &out_->runas_aliases;
      if (kind == "Cmnd_Alias" || kind == "Cmd_Alias") table = &out_->cmnd_aliases;
      if (table != nullptr) (*table)[std::string(name)] = std::move(items);
    }
  }

  void UserSpec(std::string_view text, uint32_t line) {
    const size_t eq = text.find('=');
    if (eq == std::string_view::npos) {
      Error(line,
            "not a sudoers line: expected `users hosts = (runas) commands`, a Defaults "
            "line, an alias or an include");
      return;
    }
    // "alice, %admin  ALL" -> collapse blanks around commas, then two words.
    std::string lhs;
    for (std::string_view part : Split(Trim(text.substr(0, eq)), ',')) {
      if (!lhs.empty()) lhs += ',';
      lhs += Trim(part);
    }
    std::vector<std::string_view> words = SplitAny(lhs, " \t");
    if (words.size() != 2) {
      Error(line, absl::StrFormat("expected `users hosts =` before '=', found \"%s\"",
                                  Trim(text.substr(0, eq))));
      return;
    }
    std::vector<std::string> principals = SplitUnescaped(words[0], ',');
    std::vector<std::string> runas;
    bool runas_given = false;
    bool nopasswd = false;
    v1::SudoRule* current = nullptr;
    for (const std::string& seg : SplitUnescaped(text.substr(eq + 1), ',')) {
      std::string_view s = seg;
      if (s.starts_with("(")) {
        s.remove_prefix(1);
        const size_t close = s.find(')');
        if (close == std::string_view::npos) {
          Error(line, "runas list \"(\" has no closing \")\"");
          return;
        }
        runas.clear();
        runas_given = true;
        std::string_view inside = s.substr(0, close);
        const size_t colon = inside.find(':');
        for (const std::string& u : SplitUnescaped(inside.substr(0, colon), ',')) {
          if (!u.empty()) runas.push_back(u);
        }
        if (runas.empty() && colon != std::string_view::npos) {
          // "(:group)": run as oneself with another group; not a grant of the root user.
          runas.push_back(":" + std::string(Trim(inside.substr(colon + 1))));
        }
        s = Trim(s.substr(close + 1));
      }
      for (bool progress = true; progress;) {
        progress = false;
        const size_t colon = s.find(':');
        const size_t eqpos = s.find('=');
        if (colon != std::string_view::npos && Tags().count(s.substr(0, colon)) > 0) {
          const std::string_view tag = s.substr(0, colon);
          if (tag == "NOPASSWD") nopasswd = true;
          if (tag == "PASSWD") nopasswd = false;
          s = Trim(s.substr(colon + 1));
          progress = true;
        } else if (eqpos != std::string_view::npos && Options().count(s.substr(0, eqpos)) > 0) {
          const size_t end = s.find_first_of(" \t", eqpos);
          s = end == std::string_view::npos ? std::string_view() : Trim(s.substr(end));
          progress = true;
        }
      }
      if (s.empty()) {
        Error(line, "a command list entry is empty (stray ',' or tag without a command?)");
        return;
      }
      if (s.find('=') != std::string_view::npos) {
        Error(line,
              "several host specifications on one line (`: host = ...`) are not "
              "supported; write one rule per line");
        return;
      }
      const std::vector<std::string> current_runas =
          runas_given ? runas : std::vector<std::string>{};
      if (current == nullptr || current->nopasswd() != nopasswd ||
          std::vector<std::string>(current->runas().begin(), current->runas().end()) !=
              current_runas) {
        current = &out_->rules.emplace_back();
        for (const auto& p : principals) current->add_principals(p);
        for (const auto& r : current_runas) current->add_runas(r);
        current->set_nopasswd(nopasswd);
        current->set_source_path(std::string(path_));
        current->set_line(line);
      }
      // Whitespace inside a command (continuation lines, alignment) is not significant.
      std::string command;
      for (std::string_view word : SplitAny(s, " \t")) {
        if (!command.empty()) command += ' ';
        command += word;
      }
      current->add_commands(std::move(command));
    }
  }

  std::string_view path_;
  SudoersFile* out_;
};

void Expand(const std::map<std::string, std::vector<std::string>>& aliases, const std::string& item,
            int depth, std::vector<std::string>* out) {
  auto it = aliases.find(item);
  if (it == aliases.end() || depth >= kMaxAliasDepth) {
    out->push_back(item);
    return;
  }
  for (const auto& member : it->second) Expand(aliases, member, depth + 1, out);
}

struct Walk {
  const RootFs& fs;
  v1::SudoFacts* out;
  std::vector<v1::CollectionError>* errors;
  SudoersFile all;
  std::set<std::string> seen;

  void AddError(std::string_view path, uint32_t line, std::string_view message) {
    v1::CollectionError e;
    e.set_source_path(std::string(path));
    e.set_line(line);
    e.set_message(std::string(message));
    errors->push_back(std::move(e));
  }

  void File(const std::string& path, int depth, bool must_exist, uint32_t from_line,
            const std::string& from) {
    if (seen.count(path) > 0) return;
    if (seen.size() >= kMaxSudoersFiles) {
      AddError(path, 0,
               absl::StrFormat("more than %d sudoers files; %s not read", kMaxSudoersFiles, path));
      return;
    }
    seen.insert(path);
    auto text = fs.ReadFile(path);
    if (!text.ok()) {
      if (!must_exist && absl::IsNotFound(text.status())) return;
      AddError(path, 0,
               from.empty() ? std::string(StdView(text.status().message()))
                            : absl::StrFormat("%s:%d: included file: %s", from, from_line,
                                              text.status().message()));
      return;
    }
    out->add_files_read(path);
    SudoersFile parsed = ParseSudoers(*text, path);
    for (auto& e : parsed.errors) errors->push_back(std::move(e));
    for (auto& r : parsed.rules) all.rules.push_back(std::move(r));
    for (auto& a : parsed.authenticate_disabled_at) out->add_authenticate_disabled_at(a);
    all.user_aliases.merge(parsed.user_aliases);
    all.runas_aliases.merge(parsed.runas_aliases);
    all.cmnd_aliases.merge(parsed.cmnd_aliases);
    // Includes are read where they appear in sudo; rule order does not change the facts,
    // so they are read after the file's own lines.
    for (const SudoersInclude& inc : parsed.includes) {
      if (depth + 1 > kMaxSudoersIncludeDepth) {
        AddError(path, inc.line,
                 absl::StrFormat("%s:%d: includes nest deeper than %d; %s not read", path, inc.line,
                                 kMaxSudoersIncludeDepth, inc.path));
        continue;
      }
      const std::string target =
          inc.path.front() == '/' ? inc.path : JoinPath(DirName(path), inc.path);
      if (!inc.directory) {
        File(target, depth + 1, true, inc.line, path);
        continue;
      }
      auto names = fs.ListDir(target);
      if (!names.ok()) {
        if (!absl::IsNotFound(names.status())) {
          AddError(target, 0,
                   absl::StrFormat("%s:%d: includedir: %s", path, inc.line,
                                   StdView(names.status().message())));
        }
        continue;
      }
      for (const std::string& name : *names) {
        // sudo skips names ending in '~' or containing '.' (editor backups, .rpmsave, ...).
        if (name.ends_with("~") || name.find('.') != std::string::npos) continue;
        File(JoinPath(target, name), depth + 1, true, inc.line, path);
      }
    }
  }
};

}  // namespace

SudoersFile ParseSudoers(std::string_view text, std::string_view path) {
  SudoersFile out;
  Parser parser(path, &out);
  auto lines = SplitLines(text, path);
  if (!lines.ok()) {
    parser.Error(0, StdView(lines.status().message()));
    return out;
  }
  bool continuing = false;
  std::vector<LogicalLine> logical;
  for (const TextLine& l : *lines) {
    std::string_view t = l.text;
    const bool cont = !t.empty() && t.back() == '\\';
    if (cont) t.remove_suffix(1);
    if (continuing) {
      logical.back().text += ' ';
      logical.back().text += std::string(t);
    } else {
      logical.push_back({l.number, std::string(t)});
    }
    continuing = cont;
  }
  for (const LogicalLine& l : logical) parser.Line(l);
  return out;
}

void CollectSudoers(const RootFs& fs, v1::SudoFacts* out,
                    std::vector<v1::CollectionError>* errors) {
  Walk walk{fs, out, errors, {}, {}};
  walk.File(std::string(kSudoersPath), 0, false, 0, "");
  for (v1::SudoRule& rule : walk.all.rules) {
    std::vector<std::string> principals;
    for (const auto& p : rule.principals()) Expand(walk.all.user_aliases, p, 0, &principals);
    rule.clear_principals();
    for (auto& p : principals) rule.add_principals(p);
    std::vector<std::string> runas;
    for (const auto& r : rule.runas()) Expand(walk.all.runas_aliases, r, 0, &runas);
    rule.clear_runas();
    for (const auto& r : runas) rule.add_runas(r);
    bool root = runas.empty();
    for (const auto& r : runas) root |= (r == "root" || r == "#0" || r == "ALL");
    rule.set_grants_root(root);
    std::vector<std::string> commands;
    for (const auto& c : rule.commands()) Expand(walk.all.cmnd_aliases, c, 0, &commands);
    bool all = false;
    for (const auto& c : commands) all |= (c == "ALL");
    rule.set_all_commands(all);
    *out->add_rules() = std::move(rule);
  }
}

}  // namespace veu::collectors
