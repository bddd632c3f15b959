// Status propagation macros. Abseil 20220623 ships none, so they are defined once here.
//
//   RETURN_IF_ERROR(expr);            // returns expr's status if it is not OK
//   ASSIGN_OR_RETURN(auto x, expr);   // x = *expr, or returns expr.status()
#ifndef VEU_COMMON_STATUS_MACROS_H_
#define VEU_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define VEU_STATUS_CONCAT_INNER_(a, b) a##b
#define VEU_STATUS_CONCAT_(a, b) VEU_STATUS_CONCAT_INNER_(a, b)

#define RETURN_IF_ERROR(expr)                      \
  do {                                             \
    ::absl::Status veu_status_ = (expr);           \
    if (!veu_status_.ok()) return veu_status_;     \
  } while (0)

#define ASSIGN_OR_RETURN(lhs, expr) \
  VEU_ASSIGN_OR_RETURN_IMPL_(VEU_STATUS_CONCAT_(veu_statusor_, __LINE__), lhs, expr)

#define VEU_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                               \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // VEU_COMMON_STATUS_MACROS_H_
