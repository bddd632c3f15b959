# veuctl's online commands talk to the verifier's admin socket.
target_sources(veuctl PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/admin_client.cc)
target_link_libraries(veuctl PRIVATE veu_proto veu_rpc veu_reports)
