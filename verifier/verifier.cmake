# The verifier's libraries and binary. Included from verifier/CMakeLists.txt.
veu_library(veu_appraisal
  SOURCES appraisal/nonce_book.cc appraisal/appraiser.cc appraisal/evidence_checks.cc
          appraisal/measured_boot.cc appraisal/measured_boot_cache.cc appraisal/boot_controls.cc
          appraisal/inventory_summary.cc appraisal/organisation_controls.cc
          appraisal/site_rollup.cc appraisal/offline_chain.cc
  DEPS veu_proto veu_proto_util veu_common veu_tpm veu_eventlog veu_facts absl::synchronization absl::flat_hash_map absl::time)

# Bounds and alphabets of what unauthenticated peers send (enrolment requests, the stream's hello).
veu_library(veu_peer_input
  SOURCES peer_input.cc
  DEPS veu_proto veu_common)

veu_library(veu_enrollment
  SOURCES enrollment/enroller.cc enrollment/refusal_log.cc enrollment/tpm_identity_checks.cc
          enrollment/revocation.cc
  DEPS veu_proto veu_common veu_peer_input veu_store veu_tpm veu_x509 absl::synchronization absl::flat_hash_map)

veu_library(veu_verifier_service
  SOURCES service/attestation_service.cc service/attestation_session.cc service/timer_queue.cc
          service/group_committer.cc service/blob_interner.cc service/metrics.cc service/metrics_server.cc
          service/enrollment_service.cc service/query_service.cc service/page_token.cc service/transparency.cc
          service/organisation_view.cc service/site_status.cc service/verdict_changes.cc
          service/stale_sweeper.cc service/leader_lease.cc service/store_health.cc
          service/evidence_pruner.cc
          config.cc
  DEPS veu_peer_input veu_appraisal veu_enrollment veu_store veu_translog veu_merkle veu_rpc veu_proto
       veu_install_paths OpenSSL::Crypto absl::synchronization absl::time PkgConfig::HTTPLIB)

add_executable(veu-verifier main.cc)
target_include_directories(veu-verifier PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/proto)
target_compile_options(veu-verifier PRIVATE ${VEU_WARNINGS})
target_link_libraries(veu-verifier PRIVATE veu_verifier_service veu_regulator veu_webhook veu_verdict_bus veu_change_feed_follower
                      gRPC::grpc++_reflection)
install(TARGETS veu-verifier RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})

veu_library(veu_reports
  SOURCES reports/ear.cc reports/json_value.cc reports/jcs.cc reports/report_signer.cc
          reports/signed_report_file.cc reports/report_derivation.cc
          reports/compliance_report.cc reports/report_verifier.cc reports/ear_jwt.cc
          reports/inventory_report.cc reports/any_report_verifier.cc
  DEPS veu_proto veu_proto_util veu_common veu_merkle veu_translog veu_facts absl::time absl::strings
       absl::str_format absl::status absl::statusor OpenSSL::Crypto)
