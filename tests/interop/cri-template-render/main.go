// cri-template-render renders a CNI config template the way containerd 1.6's CRI plugin does when kubelet
// reports the node's pod CIDRs (UpdateRuntimeConfig, pkg/cri/server/update_runtime_config.go at v1.6.20): Go's
// text/template, parsed from the conf_template file, executed on a value whose fields a template may name:
// .PodCIDR (the first CIDR), .PodCIDRRanges (all of them) and .Routes (a default route for each address family
// among them, IPv4 first). Written from that behaviour: Debian ships containerd's binaries, not its Go sources.
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

// The field names are the interface a template is written against.
type podNetwork struct {
	PodCIDR       string
	PodCIDRRanges []string
	Routes        []string
}

func defaultRoutes(cidrs []string) ([]string, error) {
	families := map[bool]bool{} // key: is IPv4
	for _, c := range cidrs {
		_, network, err := net.ParseCIDR(c)
		if err != nil {
			return nil, err
		}
		families[network.IP.To4() != nil] = true
	}
	var routes []string
	if families[true] {
		routes = append(routes, "0.0.0.0/0")
	}
	if families[false] {
		routes = append(routes, "::/0")
	}
	return routes, nil
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "cri-template-render: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: cri-template-render <template file> <pod CIDRs>")
		os.Exit(2)
	}
	var cidrs []string
	for _, c := range strings.Split(os.Args[2], ",") {
		cidrs = append(cidrs, strings.TrimSpace(c))
	}
	routes, err := defaultRoutes(cidrs)
	if err != nil {
		fail("pod CIDR: %v", err)
	}
	tmpl, err := template.ParseFiles(os.Args[1])
	if err != nil {
		fail("parse %s: %v", os.Args[1], err)
	}
	if err := tmpl.Execute(os.Stdout, podNetwork{PodCIDR: cidrs[0], PodCIDRRanges: cidrs, Routes: routes}); err != nil {
		fail("render %s: %v", os.Args[1], err)
	}
}
