# run_to_file.cmake - runs EXE with ARGS (a ;-list) and writes its standard
# output to OUT, failing the build when the command fails.  Used to make
# the manual page and the shell completions from the built command.
separate_arguments(args UNIX_COMMAND "${ARGS}")
execute_process(COMMAND "${EXE}" ${args} OUTPUT_FILE "${OUT}.tmp"
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(REMOVE "${OUT}.tmp")
  message(FATAL_ERROR "${EXE} ${ARGS} failed: ${rc}")
endif()
file(RENAME "${OUT}.tmp" "${OUT}")
