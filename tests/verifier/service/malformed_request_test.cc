// A request whose bytes do not parse gets INVALID_ARGUMENT saying so, not INTERNAL with an empty
// message (issue 17). A real gRPC server on a loopback port the OS picks, the real enrolment
// service, and a generic client that sends raw bytes.
#include "common/rpc/malformed_request.h"

#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <future>
#include <memory>

#include "tests/support/status_matchers.h"
#include "verifier/enrollment/enroller.h"
#include "verifier/service/enrollment_service.h"
#include "verifier/store/sqlite_store.h"

namespace veu::verifier {
namespace {

using ::testing::HasSubstr;

class NoIdentityChecks final : public IdentityChecks {
 public:
  CheckOutcome Verify(const veu::v1::TpmPublicIdentity&, absl::Time,
                      VerifiedIdentity*) const override {
    return {veu::v1::EK_CERT_UNTRUSTED, "test: no identity is trusted"};
  }
  absl::Status MakeCredential(const std::string&, const std::string&, const std::string&,
                              std::string*, std::string*) const override {
    return absl::InternalError("unused");
  }
};

class MalformedRequestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(":memory:");
    ASSERT_OK(store);
    store_ = *std::move(store);
    enroller_ = std::make_unique<Enroller>(store_.get(), &checks_, absl::Seconds(30),
                                           [] { return absl::Now(); });
    service_ = std::make_unique<EnrollmentService>(enroller_.get());
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(service_.get());
    builder.experimental().SetInterceptorCreators(MalformedRequestInterceptors());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_),
                                   grpc::InsecureChannelCredentials());
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  grpc::Status CallRaw(const std::string& method, const std::string& bytes) {
    grpc::GenericStub stub(channel_);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
    stub.UnaryCall(&ctx, method, grpc::StubOptions(), &request, &response,
                   [&done](grpc::Status s) { done.set_value(std::move(s)); });
    return done.get_future().get();
  }

  NoIdentityChecks checks_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<Enroller> enroller_;
  std::unique_ptr<EnrollmentService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  int port_ = 0;
};

TEST_F(MalformedRequestTest, UnparseableBytesAreInvalidArgumentNamingTheMethod) {
  // Field 1 (site, a string) claims 100 bytes and has 2: not a BeginEnrollmentRequest.
  const grpc::Status s = CallRaw("/veu.v1.Enrollment/BeginEnrollment", std::string("\x0a\x64xy", 4));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("REQUEST_MALFORMED"));
  EXPECT_THAT(s.error_message(), HasSubstr("/veu.v1.Enrollment/BeginEnrollment"));
}

TEST_F(MalformedRequestTest, ARequestThatParsesKeepsItsOwnStatus) {
  veu::v1::BeginEnrollmentRequest r;
  r.set_site("no-such-site");
  const grpc::Status s = CallRaw("/veu.v1.Enrollment/BeginEnrollment", r.SerializeAsString());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("EK_CERT_UNTRUSTED"));
}

}  // namespace
}  // namespace veu::verifier
