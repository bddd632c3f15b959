# veuctl report verify: the offline report checks (verifier/reports/).
target_link_libraries(veuctl PRIVATE veu_reports veu_rpc)
