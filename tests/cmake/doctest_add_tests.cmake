# Stands in for doctest's doctestAddTests.cmake (run by doctest_discover_tests after each link): registers one
# CTest test per doctest case. Debian's copy turns the listing into a CMake list, so a case name holding ';'
# became two bogus tests that ran nothing; here ';' survives. Same -D inputs as doctest's script (TEST_PREFIX,
# TEST_EXECUTABLE, TEST_WORKING_DIR, TEST_EXTRA_ARGS, TEST_PROPERTIES, CTEST_FILE); no labels, no JUnit, no TEST_LIST.
if(NOT EXISTS "${TEST_EXECUTABLE}")
  message(FATAL_ERROR "test executable '${TEST_EXECUTABLE}' does not exist")
endif()
execute_process(COMMAND "${TEST_EXECUTABLE}" --list-test-cases
                OUTPUT_VARIABLE output RESULT_VARIABLE result WORKING_DIRECTORY "${TEST_WORKING_DIR}")
if(NOT result EQUAL 0)
  message(FATAL_ERROR "'${TEST_EXECUTABLE} --list-test-cases' failed (${result}):\n${output}")
endif()

# A CMake argument that is taken literally, whatever it holds (';', spaces, quotes).
function(literal out value)
  set(${out} "[==[${value}]==]" PARENT_SCOPE)
endfunction()

string(REPLACE ";" "<nexus-semicolon>" output "${output}")
string(REPLACE "\n" ";" lines "${output}")
set(properties "")
foreach(p IN LISTS TEST_PROPERTIES)
  literal(q "${p}")
  string(APPEND properties " ${q}")
endforeach()
set(extra "")
foreach(a IN LISTS TEST_EXTRA_ARGS)
  literal(q "${a}")
  string(APPEND extra " ${q}")
endforeach()
set(script "")
foreach(line IN LISTS lines)
  if(line STREQUAL "" OR line MATCHES "^===+$" OR line MATCHES "^\\[doctest\\] ")
    continue()
  endif()
  string(REPLACE "<nexus-semicolon>" ";" test "${line}")
  # doctest's --test-case takes comma-separated patterns: a ',' in the name is escaped. '*' and '?' are
  # wildcards, and the name still matches itself.
  string(REPLACE "," "\\," filter "${test}")
  literal(name "${TEST_PREFIX}${test}")
  literal(exe "${TEST_EXECUTABLE}")
  literal(arg "--test-case=${filter}")
  literal(dir "${TEST_WORKING_DIR}")
  string(APPEND script "add_test(${name} ${exe} ${arg}${extra})\n")
  string(APPEND script "set_tests_properties(${name} PROPERTIES WORKING_DIRECTORY ${dir}${properties})\n")
endforeach()
file(WRITE "${CTEST_FILE}" "${script}")
