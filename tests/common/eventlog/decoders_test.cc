// The small decoders: GUIDs, UTF-16, UEFI_VARIABLE_DATA, signature lists, device paths.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/eventlog/device_path.h"
#include "common/eventlog/efi_variable.h"
#include "tests/common/eventlog/log_builder.h"
#include "tests/support/status_matchers.h"

namespace veu::eventlog {
namespace {

using ::testing::HasSubstr;
using testing::PutU16;
using testing::PutU32;
using testing::PutU64;
using ::veu::testing::StatusIs;

TEST(EfiGuid, RoundTripsItsCanonicalText) {
  EXPECT_EQ(EfiGlobalVariableGuid().ToString(), "8be4df61-93ca-11d2-aa0d-00e098032b8c");
  EXPECT_EQ(EfiGlobalVariableGuid().bytes[0], 0x61);  // first field is little-endian on disk
  EXPECT_THAT(EfiGuidFromString("not-a-guid"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(EfiGuidFromString("8be4df61-93ca-11d2-aa0d-00e098032bxx"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("non-hex")));
}

TEST(Utf16, DecodesAsciiSurrogatesAndOddBytes) {
  EXPECT_EQ(Utf16LeToUtf8(testing::Utf16("db", true) + "junk", true), "db");
  EXPECT_EQ(Utf16LeToUtf8(std::string("\x3d\xd8\x00\xde", 4), false), "\xF0\x9F\x98\x80");
  EXPECT_EQ(Utf16LeToUtf8(std::string("\x00\xd8", 2), false), "\xEF\xBF\xBD");
  EXPECT_EQ(Utf16LeToUtf8(std::string("a\0b", 3), false), "a\xEF\xBF\xBD");
}

// The decoders' results view their input, so a temporary string is refused at compile time
// (it used to compile and read freed memory: ASan heap-use-after-free, issue 17).
template <typename S>
constexpr bool kEfiVariableAcceptsArgument = requires(S&& s) { ParseEfiVariableData(std::forward<S>(s)); };
template <typename S>
constexpr bool kSignatureDatabaseAcceptsArgument =
    requires(S&& s) { ParseSignatureDatabase(std::forward<S>(s)); };
static_assert(!kEfiVariableAcceptsArgument<std::string>);
static_assert(!kEfiVariableAcceptsArgument<const std::string>);
static_assert(kEfiVariableAcceptsArgument<const std::string&>);
static_assert(kEfiVariableAcceptsArgument<std::string&>);
static_assert(kEfiVariableAcceptsArgument<std::string_view>);
static_assert(kEfiVariableAcceptsArgument<const char (&)[6]>);
static_assert(!kSignatureDatabaseAcceptsArgument<std::string>);
static_assert(kSignatureDatabaseAcceptsArgument<const std::string&>);

TEST(EfiVariableData, DecodesNameGuidAndValue) {
  const std::string bytes = testing::EfiVariable(EfiGlobalVariableGuid(), "SecureBoot", "\x01");
  auto v = ParseEfiVariableData(bytes);
  ASSERT_OK(v);
  EXPECT_EQ(v->name, "SecureBoot");
  EXPECT_EQ(v->vendor, EfiGlobalVariableGuid());
  EXPECT_EQ(v->value, "\x01");
}

TEST(EfiVariableData, RejectsLengthsThatOverrun) {
  std::string data = testing::EfiVariable(EfiGlobalVariableGuid(), "PK", "abc");
  data[16] = 100;  // name length 100 characters
  EXPECT_THAT(ParseEfiVariableData(data),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("name length 100")));
  data = testing::EfiVariable(EfiGlobalVariableGuid(), "PK", "abc");
  data[24] = 4;  // data length 4, 3 present
  EXPECT_THAT(ParseEfiVariableData(data),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("data length 4")));
  data[24] = 0x7F;
  data[31] = 0x7F;  // enormous
  EXPECT_THAT(ParseEfiVariableData(data), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseEfiVariableData("short"), StatusIs(absl::StatusCode::kInvalidArgument));
}

std::string SignatureList(const EfiGuid& type, uint32_t sig_size, int count, uint32_t list_size) {
  std::string out(type.bytes.begin(), type.bytes.end());
  PutU32(&out, list_size);
  PutU32(&out, 0);
  PutU32(&out, sig_size);
  for (int i = 0; i < count; ++i) out += std::string(sig_size, static_cast<char>('a' + i));
  return out;
}

TEST(SignatureDatabase, DecodesEveryEntry) {
  const std::string db = SignatureList(CertSha256Guid(), 48, 3, 28 + 3 * 48) +
                         SignatureList(CertX509Guid(), 20, 1, 28 + 20);
  auto sigs = ParseSignatureDatabase(db);
  ASSERT_OK(sigs);
  ASSERT_EQ(sigs->size(), 4u);
  EXPECT_EQ((*sigs)[0].type, CertSha256Guid());
  EXPECT_EQ((*sigs)[1].data, std::string(32, 'b'));
  EXPECT_EQ((*sigs)[3].data.size(), 4u);
}

TEST(SignatureDatabase, RejectsInconsistentSizes) {
  const std::string overlong = SignatureList(CertSha256Guid(), 48, 3, 28 + 3 * 48 + 1);
  EXPECT_THAT(ParseSignatureDatabase(overlong),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("offset 0")));
  const std::string empty_sigs = SignatureList(CertSha256Guid(), 0, 0, 28);
  EXPECT_THAT(ParseSignatureDatabase(empty_sigs), StatusIs(absl::StatusCode::kInvalidArgument));
  const std::string enormous = SignatureList(CertSha256Guid(), 48, 1, 0xFFFFFFFF);
  EXPECT_THAT(ParseSignatureDatabase(enormous), StatusIs(absl::StatusCode::kInvalidArgument));
}

void Node(std::string* out, uint8_t type, uint8_t subtype, const std::string& body) {
  out->push_back(static_cast<char>(type));
  out->push_back(static_cast<char>(subtype));
  PutU16(out, static_cast<uint16_t>(body.size() + 4));
  *out += body;
}

TEST(DevicePath, RendersTheUefiTextForm) {
  std::string path;
  std::string acpi;
  PutU32(&acpi, 0x0A0341D0);
  PutU32(&acpi, 0);
  Node(&path, 2, 1, acpi);
  Node(&path, 1, 1, std::string("\x01\x03", 2));
  std::string hd;
  PutU32(&hd, 1);
  PutU64(&hd, 0x800);
  PutU64(&hd, 0x100000);
  const EfiGuid guid = EfiGlobalVariableGuid();
  hd += std::string(guid.bytes.begin(), guid.bytes.end());
  hd += std::string("\x02\x02", 2);
  Node(&path, 4, 1, hd);
  Node(&path, 4, 4, testing::Utf16("\\EFI\\BOOT\\BOOTX64.EFI", true));
  Node(&path, 0x7F, 0xFF, "");
  auto text = DevicePathToText(path);
  ASSERT_OK(text);
  EXPECT_EQ(*text,
            "PciRoot(0x0)/Pci(0x3,0x1)/HD(1,GPT,8be4df61-93ca-11d2-aa0d-00e098032b8c,"
            "0x800,0x100000)/\\EFI\\BOOT\\BOOTX64.EFI");
}

TEST(DevicePath, RejectsNodesWithBadLengths) {
  EXPECT_THAT(DevicePathToText(std::string("\x04\x04\x02\x00", 4)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("offset 0")));
  EXPECT_THAT(DevicePathToText(std::string("\x04\x04\x40\x00xx", 6)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseImageLoadEvent(std::string(31, '\0')),
              StatusIs(absl::StatusCode::kInvalidArgument));
  std::string image(24, '\0');
  PutU64(&image, 1000);
  EXPECT_THAT(ParseImageLoadEvent(image),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("overruns")));
}

}  // namespace
}  // namespace veu::eventlog
