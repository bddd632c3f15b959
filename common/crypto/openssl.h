// Small things every OpenSSL caller here needs: owning pointers for its objects, its error
// queue as a message a user can act on, and a passphrase callback that never prompts.
#ifndef VEU_COMMON_CRYPTO_OPENSSL_H_
#define VEU_COMMON_CRYPTO_OPENSSL_H_

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <string_view>

namespace veu::crypto {

struct OpensslFree {
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
  void operator()(X509* p) const { X509_free(p); }
};
using BioPtr = std::unique_ptr<BIO, OpensslFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, OpensslFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OpensslFree>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, OpensslFree>;
using X509Ptr = std::unique_ptr<X509, OpensslFree>;

// `what`, followed by OpenSSL's first queued error if there is one; clears the queue.
std::string OpensslError(std::string_view what);

// pem_password_cb that refuses: an encrypted PEM key fails to load instead of prompting on
// a terminal.
int NoPassphrase(char* buf, int size, int rwflag, void* userdata);

}  // namespace veu::crypto

#endif  // VEU_COMMON_CRYPTO_OPENSSL_H_
