// A "nexus-ipam" that carries this build's identity note but is not nexus-ipam: run, it leaves <argv[0]>.ran
// and fails with a CNI error. A test puts it in CNI_PATH as nexus-ipam: a nexus-bridge that runs the verbs
// in-process never starts it (the ADD works, no .ran), one that execs it fails naming it.
#include <fstream>
#include <iostream>
#include <string>

int main(int, char** argv) {
  std::ofstream(std::string(argv[0]) + ".ran") << "ran\n";
  std::cout << R"({"cniVersion":"1.0.0","code":999,"msg":"the nexus-ipam impostor was executed"})" << '\n';
  return 1;
}
