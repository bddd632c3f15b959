#include "agent/collectors/sshd_config.h"

#include <fnmatch.h>

#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "agent/collectors/text_lines.h"

namespace veu::collectors {
namespace {

constexpr size_t kMaxSshdFiles = 256;

// Which values sshd accepts for the tracked single-valued keywords (empty: free text).
std::vector<std::string_view> AllowedValues(std::string_view keyword) {
  if (keyword == "PermitRootLogin") {
    return {"yes", "no", "prohibit-password", "without-password", "forced-commands-only"};
  }
  if (keyword == "PasswordAuthentication" || keyword == "KbdInteractiveAuthentication" ||
      keyword == "PubkeyAuthentication" || keyword == "PermitEmptyPasswords" ||
      keyword == "UsePAM") {
    return {"yes", "no"};
  }
  return {};
}

bool Accumulates(std::string_view keyword) {
  return keyword == "AllowUsers" || keyword == "AllowGroups" || keyword == "DenyUsers" ||
         keyword == "DenyGroups";
}

// Splits sshd arguments: whitespace-separated, double quotes group. False on an open quote.
bool SplitArgs(std::string_view s, std::vector<std::string>* out) {
  std::string cur;
  bool in_word = false, quoted = false;
  for (char c : s) {
    if (c == '"') {
      quoted = !quoted;
      in_word = true;
      continue;
    }
    if (!quoted && absl::ascii_isspace(static_cast<unsigned char>(c))) {
      if (in_word) out->push_back(cur);
      cur.clear();
      in_word = false;
      continue;
    }
    cur += c;
    in_word = true;
  }
  if (in_word) out->push_back(cur);
  return !quoted;
}

struct Walk {
  const RootFs& fs;
  v1::SshdFacts* out;
  std::vector<v1::CollectionError>* errors;
  absl::flat_hash_map<std::string, std::string> canonical;      // lowercase -> canonical
  absl::flat_hash_map<std::string, v1::SshdSetting*> settings;  // canonical -> entry
  std::set<std::string> set_once;                               // single-valued already set
  size_t files = 0;

  void Error(std::string_view path, uint32_t line, std::string_view message) {
    v1::CollectionError e;
    e.set_source_path(std::string(path));
    e.set_line(line);
    e.set_message(line > 0 ? absl::StrFormat("%s:%d: %s", path, line, message)
                           : std::string(message));
    errors->push_back(std::move(e));
  }

  // Reads one file. `in_match` is the Match state the file starts in (an Include inside a
  // Match block); a Match inside the file ends with the file.
  void File(const std::string& path, int depth, bool in_match) {
    if (++files > kMaxSshdFiles) {
      Error(path, 0,
            absl::StrFormat("more than %d sshd config files; %s not read", kMaxSshdFiles, path));
      return;
    }
    auto text = fs.ReadFile(path);
    if (!text.ok()) {
      Error(path, 0, StdView(text.status().message()));
      return;
    }
    out->add_files_read(path);
    auto lines = SplitLines(*text, path);
    if (!lines.ok()) {
      Error(path, 0, StdView(lines.status().message()));
      return;
    }
    v1::SshdMatchBlock* match = nullptr;
    for (const TextLine& l : *lines) {
      std::string_view t = Trim(l.text);
      if (t.empty() || t.front() == '#') continue;
      // keyword [=] args
      const size_t end = t.find_first_of(" \t=");
      const std::string keyword(t.substr(0, end));
      std::string_view rest = end == std::string_view::npos ? "" : Trim(t.substr(end));
      if (!rest.empty() && rest.front() == '=') rest = Trim(rest.substr(1));
      std::vector<std::string> args;
      if (!SplitArgs(rest, &args)) {
        Error(path, l.number, "unterminated quote");
        continue;
      }
      const std::string lower = ToLower(keyword);
      if (lower == "match") {
        if (args.empty()) {
          Error(path, l.number, "Match needs criteria (e.g. `Match User backup`)");
          continue;
        }
        match = out->add_match_blocks();
        match->set_criteria(absl::StrJoin(args, " "));
        match->set_source_path(path);
        match->set_line(l.number);
        continue;
      }
      if (lower == "include") {
        if (args.empty()) {
          Error(path, l.number, "Include needs a file or glob");
          continue;
        }
        for (const std::string& pattern : args)
          Include(path, l.number, pattern, depth, in_match || match != nullptr);
        continue;
      }
      auto it = canonical.find(lower);
      if (match != nullptr || in_match) {
        if (match != nullptr) {
          match->add_keywords(it != canonical.end() ? it->second : keyword);
        }
        continue;
      }
      if (it == canonical.end()) continue;  // not a keyword we report
      const std::string& name = it->second;
      if (args.empty()) {
        Error(path, l.number, absl::StrFormat("%s needs a value", name));
        continue;
      }
      if (std::vector<std::string_view> allowed = AllowedValues(name); !allowed.empty()) {
        const std::string v = ToLower(args[0]);
        if (args.size() != 1 || std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
          Error(path, l.number,
                absl::StrFormat(
                    "%s \"%s\" is not one of: %s (sshd would refuse to start)", name,
                    absl::StrJoin(args, " "),
                    absl::StrJoin(std::vector<std::string>(allowed.begin(), allowed.end()), ", ")));
          continue;
        }
        args[0] = v;
      }
      v1::SshdSetting* s = settings[name];
      if (Accumulates(name)) {
        s->set_value(s->is_default() ? absl::StrJoin(args, " ")
                                     : s->value() + " " + absl::StrJoin(args, " "));
        if (s->is_default()) {
          s->set_source_path(path);
          s->set_line(l.number);
        }
        s->set_is_default(false);
        continue;
      }
      if (!set_once.insert(name).second) continue;  // first value wins
      s->set_value(absl::StrJoin(args, " "));
      s->set_is_default(false);
      s->set_source_path(path);
      s->set_line(l.number);
    }
  }

  void Include(const std::string& from, uint32_t line, const std::string& pattern, int depth,
               bool in_match) {
    if (depth + 1 > kMaxSshdIncludeDepth) {
      Error(from, line, absl::StrFormat("Include nests deeper than %d", kMaxSshdIncludeDepth));
      return;
    }
    if (pattern.empty() || pattern.back() == '/') {
      Error(from, line, absl::StrFormat("Include \"%s\" does not name a file", pattern));
      return;
    }
    // Relative Include paths are relative to /etc/ssh (sshd_config(5)).
    const std::string full = pattern.front() == '/' ? pattern : JoinPath("/etc/ssh", pattern);
    const std::string dir = DirName(full);
    const std::string base = full.substr(full.rfind('/') + 1);
    if (dir.find_first_of("*?[") != std::string::npos) {
      Error(from, line, "Include globs are supported in the last path component only");
      return;
    }
    if (base.find_first_of("*?[") == std::string::npos) {
      File(full, depth + 1, in_match);
      return;
    }
    auto names = fs.ListDir(dir);
    if (!names.ok()) {
      if (!absl::IsNotFound(names.status())) Error(from, line, StdView(names.status().message()));
      return;  // a glob matching nothing is fine for sshd
    }
    for (const std::string& name : *names) {
      if (name.front() == '.' && base.front() != '.') continue;
      if (GlobMatch(base, name)) File(JoinPath(dir, name), depth + 1, in_match);
    }
  }
};

}  // namespace

const std::vector<SshdKeyword>& SshdKeywords() {
  static const auto* keywords = new std::vector<SshdKeyword>{
      {"PermitRootLogin", "prohibit-password"},
      {"PasswordAuthentication", "yes"},
      {"KbdInteractiveAuthentication", "yes"},
      {"AuthenticationMethods", "any"},
      {"AllowUsers", ""},
      {"AllowGroups", ""},
      {"DenyUsers", ""},
      {"DenyGroups", ""},
      {"PubkeyAuthentication", "yes"},
      {"PermitEmptyPasswords", "no"},
      {"UsePAM", "no"},
      {"AuthorizedKeysFile", ".ssh/authorized_keys .ssh/authorized_keys2"},
  };
  return *keywords;
}

bool GlobMatch(std::string_view pattern, std::string_view name) {
  return ::fnmatch(std::string(pattern).c_str(), std::string(name).c_str(), 0) == 0;
}

void CollectSshdConfig(const RootFs& fs, v1::SshdFacts* out,
                       std::vector<v1::CollectionError>* errors) {
  Walk walk{fs, out, errors, {}, {}, {}};
  for (const SshdKeyword& k : SshdKeywords()) {
    v1::SshdSetting* s = out->add_settings();
    s->set_keyword(std::string(k.name));
    s->set_value(std::string(k.default_value));
    s->set_is_default(true);
    walk.canonical[ToLower(k.name)] = std::string(k.name);
    walk.settings[std::string(k.name)] = s;
  }
  // Deprecated alias sshd still honours.
  walk.canonical["challengeresponseauthentication"] = "KbdInteractiveAuthentication";
  if (!fs.Exists(kSshdConfigPath)) {
    out->set_present(false);
    return;
  }
  out->set_present(true);
  walk.File(std::string(kSshdConfigPath), 0, false);
}

}  // namespace veu::collectors
