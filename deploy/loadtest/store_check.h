// `veu-loadgen check`: every acknowledged appraisal id is in the store exactly once and the
// transparency log holds every stored appraisal once. Reads the SQLite file read-only, beside a
// running verifier; prints "key value" lines; exit 0 only when all holds.
#ifndef VEU_DEPLOY_LOADTEST_STORE_CHECK_H_
#define VEU_DEPLOY_LOADTEST_STORE_CHECK_H_

#include <string>

namespace veu::loadgen {

int Check(const std::string& database, const std::string& acked_file);

}  // namespace veu::loadgen

#endif  // VEU_DEPLOY_LOADTEST_STORE_CHECK_H_
