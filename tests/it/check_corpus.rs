// filled in by the corpus work
