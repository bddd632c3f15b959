# veu_eventlog_bench: event-log parse / replay / bind throughput over the fixture logs.
# Included from bench/CMakeLists.txt; see README.md ("Event log").
add_executable(veu_eventlog_bench ${CMAKE_CURRENT_LIST_DIR}/eventlog_bench.cc)
target_include_directories(veu_eventlog_bench PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/proto)
target_compile_options(veu_eventlog_bench PRIVATE ${VEU_WARNINGS})
target_compile_definitions(veu_eventlog_bench PRIVATE
    VEU_FIXTURES_DIR="${PROJECT_SOURCE_DIR}/../shared/fixtures")
target_link_libraries(veu_eventlog_bench PRIVATE veu_eventlog benchmark::benchmark)
