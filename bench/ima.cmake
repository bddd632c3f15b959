# veu_ima_bench: IMA log parse + PCR replay throughput over a 100,000-entry log made from the
# fixtures' entries. Included from bench/CMakeLists.txt; see README.md ("IMA log").
add_executable(veu_ima_bench ${CMAKE_CURRENT_LIST_DIR}/ima_bench.cc)
target_include_directories(veu_ima_bench PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/proto)
target_compile_options(veu_ima_bench PRIVATE ${VEU_WARNINGS})
target_compile_definitions(veu_ima_bench PRIVATE
    VEU_FIXTURES_DIR="${PROJECT_SOURCE_DIR}/../shared/fixtures")
target_link_libraries(veu_ima_bench PRIVATE veu_ima veu_ima_policy veu_common benchmark::benchmark)
