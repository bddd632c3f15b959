// Functions whose results view their input (string_view fields into the bytes they parsed)
// dangle when handed a temporary std::string: the temporary dies at the end of the full
// expression and the result points into freed memory, which only a sanitizer sees
// (issue 17: two heap-use-after-free and one stack-use-after-scope in tests). Declaring
//
//   template <TemporaryString S> absl::StatusOr<R> F(S&&) = delete;
//
// beside `absl::StatusOr<R> F(std::string_view)` turns that call into a compile error, while
// lvalue strings, string literals and views still bind to the string_view overload (a deleted
// template only wins when its deduced type is exactly a non-reference std::string, i.e. an
// rvalue).
#ifndef VEU_COMMON_VIEWS_H_
#define VEU_COMMON_VIEWS_H_

#include <string>
#include <type_traits>

namespace veu {

// True for the type deduced by `S&&` from an rvalue std::string (possibly const).
template <typename S>
concept TemporaryString = std::is_same_v<std::remove_const_t<S>, std::string>;

}  // namespace veu

#endif  // VEU_COMMON_VIEWS_H_
