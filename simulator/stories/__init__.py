"""Stories about a spec: the scenario language (:mod:`.schema`, :mod:`.scenario`), the library of
scenario files (:mod:`.library`), the runner on the virtual clock (:mod:`.runner`), what a run
records (:mod:`.trace`, :mod:`.coverage`) and writing a story back out (:mod:`.writer`)."""
