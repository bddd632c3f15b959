target_link_libraries(veuctl PRIVATE veu_tpm)
target_link_libraries(veuctl PRIVATE veu_appraisal)  # --eventlog: the verifier's measured-boot appraisal
