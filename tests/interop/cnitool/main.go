// cnitool for the Nexus interop tests: drives CNI plugins through libcni (Debian golang-github-appc-cni-dev),
// the library real runtimes use, so libcni's own parsing and checks judge our plugins' output.
// Debian ships libcni but not the upstream cnitool command, so this small front end stands in for it with the
// same command line:
//
//	cnitool add|check|del <network> <netns path>
//	cnitool validate <network>     (ValidateNetworkList: runs VERSION on every plugin)
//
// Environment, as upstream cnitool: NETCONFPATH (default /etc/cni/net.d), CNI_PATH, CNI_IFNAME (default eth0),
// CNI_ARGS ("K=V;K2=V2"), CAP_ARGS (JSON object of capability arguments). Additions for tests:
// CNI_CONTAINERID (default derived from the netns path) and CNI_CACHE_DIR (default libcni's /var/lib/cni).
package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/containernetworking/cni/libcni"
	"github.com/containernetworking/cni/pkg/types"
	types100 "github.com/containernetworking/cni/pkg/types/100"
)

func envOr(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}

func runtimeConf(netns string) (*libcni.RuntimeConf, error) {
	rt := &libcni.RuntimeConf{
		ContainerID: envOr("CNI_CONTAINERID", fmt.Sprintf("cnitool-%x", sha256.Sum256([]byte(netns)))[:28]),
		NetNS:       netns,
		IfName:      envOr("CNI_IFNAME", "eth0"),
	}
	if args := os.Getenv("CNI_ARGS"); args != "" {
		for _, pair := range strings.Split(args, ";") {
			kv := strings.SplitN(pair, "=", 2)
			if len(kv) != 2 {
				return nil, fmt.Errorf("invalid CNI_ARGS pair %q", pair)
			}
			rt.Args = append(rt.Args, [2]string{kv[0], kv[1]})
		}
	}
	if caps := os.Getenv("CAP_ARGS"); caps != "" {
		if err := json.Unmarshal([]byte(caps), &rt.CapabilityArgs); err != nil {
			return nil, fmt.Errorf("invalid CAP_ARGS: %w", err)
		}
	}
	return rt, nil
}

// add prints the result as the plugin chain returned it (in the conflist's version), after checking that
// libcni can also convert it to the current (1.0.0) types as runtimes such as podman and containerd do.
func add(ctx context.Context, cni *libcni.CNIConfig, list *libcni.NetworkConfigList, rt *libcni.RuntimeConf) error {
	result, err := cni.AddNetworkList(ctx, list, rt)
	if err != nil {
		return err
	}
	if _, err := types100.NewResultFromResult(result); err != nil {
		return fmt.Errorf("result does not convert to %s: %w", types100.ImplementedSpecVersion, err)
	}
	return result.Print()
}

func run(args []string) error {
	if len(args) < 2 || (args[0] != "validate" && len(args) < 3) {
		return fmt.Errorf("usage: cnitool add|check|del <network> <netns> | cnitool validate <network>")
	}
	list, err := libcni.LoadConfList(envOr("NETCONFPATH", "/etc/cni/net.d"), args[1])
	if err != nil {
		return err
	}
	cni := libcni.NewCNIConfigWithCacheDir(filepath.SplitList(os.Getenv("CNI_PATH")), os.Getenv("CNI_CACHE_DIR"), nil)
	ctx := context.Background()
	if args[0] == "validate" {
		caps, err := cni.ValidateNetworkList(ctx, list)
		if err == nil {
			fmt.Printf("{\"capabilities\": %q}\n", caps)
		}
		return err
	}
	rt, err := runtimeConf(args[2])
	if err != nil {
		return err
	}
	switch args[0] {
	case "add":
		return add(ctx, cni, list, rt)
	case "check":
		return cni.CheckNetworkList(ctx, list, rt)
	case "del":
		return cni.DelNetworkList(ctx, list, rt)
	}
	return fmt.Errorf("unknown command %q", args[0])
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "cnitool:", err)
		// A plugin's CNI error object, as libcni parsed it: tests check the code, so a crashed plugin (no error
		// object) is told apart from a plugin that refused the request.
		var cniErr *types.Error
		if errors.As(err, &cniErr) {
			fmt.Fprintf(os.Stderr, "cnitool: CNI error code %d\n", cniErr.Code)
		}
		os.Exit(1)
	}
}
