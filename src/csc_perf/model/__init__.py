"""The bottom layer: the schemas of the frames csc-perf passes around, the calendar
(months and financial years) and option records. It imports nothing else of csc-perf."""
