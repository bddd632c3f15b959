target_link_libraries(veuctl PRIVATE veu_tpm)
