#include "shared/cni/args.h"

#include <doctest/doctest.h>

#include "shared/base/error.h"

using nexus::cni::CniArgs;
using nexus::Code;

TEST_CASE("CNI_ARGS: pairs, empty segments, values with '='") {
  const auto a = CniArgs::parse("IP=10.0.42.7;;MAC=aa:bb:cc:dd:ee:ff;X=a=b;");
  CHECK(a.get("IP") == "10.0.42.7");
  CHECK(a.get("MAC") == "aa:bb:cc:dd:ee:ff");
  CHECK(a.get("X") == "a=b");
  CHECK_FALSE(a.get("Y"));
  CHECK_FALSE(CniArgs::parse("").get("IP"));
}

TEST_CASE("CNI_ARGS: malformed pairs are code 4") {
  for (const char* bad : {"IP", "=1", "A=1;B"}) {
    try {
      CniArgs::parse(bad);
      FAIL("accepted " << bad);
    } catch (const nexus::Error& e) {
      CHECK(e.code() == Code::InvalidEnv);
      CHECK(std::string(e.what()).find("CNI_ARGS") != std::string::npos);
    }
  }
}

TEST_CASE("CNI_ARGS: unknown keys are refused unless IgnoreUnknown") {
  CHECK_THROWS_AS(CniArgs::parse("FOO=1").reject_unknown({"IP"}), nexus::Error);
  CHECK_NOTHROW(CniArgs::parse("IP=1;K8S_POD_NAME=p;K8S_POD_NAMESPACE=d").reject_unknown({"IP"}));
  CHECK_NOTHROW(CniArgs::parse("FOO=1;IgnoreUnknown=1").reject_unknown({"IP"}));
  CHECK_NOTHROW(CniArgs::parse("FOO=1;IgnoreUnknown=true").reject_unknown({"IP"}));
  CHECK_THROWS(CniArgs::parse("FOO=1;IgnoreUnknown=0").reject_unknown({"IP"}));
}
