# The regulator-side commands (report fetch, watch) talk to the regulator API over mTLS.
target_sources(veuctl PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/regulator_client.cc)
target_link_libraries(veuctl PRIVATE veu_proto veu_rpc absl::time)
