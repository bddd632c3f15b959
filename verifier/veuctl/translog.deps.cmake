target_link_libraries(veuctl PRIVATE veu_translog veu_merkle veu_rpc OpenSSL::Crypto)
