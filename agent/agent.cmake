# The agent's library and binary. Included from agent/CMakeLists.txt.
veu_library(veu_agent
  SOURCES host_facts.cc enrollment_client.cc attestation_client.cc agent.cc config.cc
          facts_command.cc spool_format.cc spool_file.cc offline_spool.cc
  DEPS veu_agent_location veu_agent_tpm veu_collectors veu_facts veu_eventlog veu_rpc veu_proto veu_proto_util veu_install_paths veu_common)

add_executable(veu-agent main.cc)
target_include_directories(veu-agent PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/proto)
target_compile_options(veu-agent PRIVATE ${VEU_WARNINGS})
target_link_libraries(veu-agent PRIVATE veu_agent)
install(TARGETS veu-agent RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
