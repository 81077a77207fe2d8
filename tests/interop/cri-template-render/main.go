// cri-template-render renders a CNI config template exactly as containerd 1.6's CRI plugin does when kubelet
// reports the node's pod CIDR (UpdateRuntimeConfig in pkg/cri/server/update_runtime_config.go at v1.6.20): Go's
// text/template, template.ParseFiles on the conf_template file, and the same data (type, field names, values).
// Debian ships containerd's binaries but not its Go sources, so the few lines are copied here.
//
//	cri-template-render <template file> <pod CIDRs, comma-separated as kubelet sends them>
//
// prints the rendered config on stdout (containerd writes it to <conf_dir>/10-containerd-net.conflist).
package main

import (
	"fmt"
	"net"
	"os"
	"strings"
	"text/template"
)

// cniConfigTemplate contains the values containerd will overwrite in the cni config template.
type cniConfigTemplate struct {
	// PodCIDR is the cidr for pods on the node.
	PodCIDR string
	// PodCIDRRanges is the cidr ranges for pods on the node.
	PodCIDRRanges []string
	// Routes is a list of routes configured.
	Routes []string
}

const (
	zeroCIDRv6 = "::/0"
	zeroCIDRv4 = "0.0.0.0/0"
)

// getRoutes generates required routes for the passed in cidrs.
func getRoutes(cidrs []string) ([]string, error) {
	var (
		routes       []string
		hasV4, hasV6 bool
	)
	for _, c := range cidrs {
		_, cidr, err := net.ParseCIDR(c)
		if err != nil {
			return nil, err
		}
		if cidr.IP.To4() != nil {
			hasV4 = true
		} else {
			hasV6 = true
		}
	}
	if hasV4 {
		routes = append(routes, zeroCIDRv4)
	}
	if hasV6 {
		routes = append(routes, zeroCIDRv6)
	}
	return routes, nil
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: cri-template-render <template file> <pod CIDRs>")
		os.Exit(2)
	}
	cidrs := strings.Split(os.Args[2], ",")
	for i := range cidrs {
		cidrs[i] = strings.TrimSpace(cidrs[i])
	}
	routes, err := getRoutes(cidrs)
	if err != nil {
		fmt.Fprintf(os.Stderr, "get routes: %v\n", err)
		os.Exit(1)
	}
	t, err := template.ParseFiles(os.Args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "failed to parse cni config template %q: %v\n", os.Args[1], err)
		os.Exit(1)
	}
	if err := t.Execute(os.Stdout, cniConfigTemplate{
		PodCIDR:       cidrs[0],
		PodCIDRRanges: cidrs,
		Routes:        routes,
	}); err != nil {
		fmt.Fprintf(os.Stderr, "failed to generate cni config: %v\n", err)
		os.Exit(1)
	}
}
