# veuctl console: the local web console (verifier/console/).
target_link_libraries(veuctl PRIVATE veu_console)
