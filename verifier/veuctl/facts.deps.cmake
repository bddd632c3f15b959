# policy pack helpers: the regulation statement `veuctl status --verbose` and `--format ear` show.
target_link_libraries(veuctl PRIVATE veu_facts)
