# `cpack -G DEB` (or the `package` target): a Debian package of what `cmake --install` installs. The plugins and
# nexus-nftables go to /opt/cni/bin, where runtimes look; the launcher to /usr/bin; the conflist to
# /etc/cni/net.d as a conffile, so an upgrade or a removal keeps the administrator's edits. Lease dirs and the
# launcher's node state are data, not package files: removing the package leaves them.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME nexus)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "Nexus developers <nexus@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "bridge networking for Linux containers: CNI plugins and a launcher")
set(CPACK_PACKAGE_DESCRIPTION "nexus-bridge and nexus-ipam are CNI plugins (spec 1.1.0) for containerd, CRI-O,
podman and libcni; nexus is a small launcher of networked, namespaced processes under cgroup limits.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # nexus_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
# Debian's names: libc6 and the rest that the executables link, as dpkg-shlibdeps finds them; libnftables1,
# which they load at run time (dlopen) and dpkg-shlibdeps cannot see.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libnftables1")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "containernetworking-plugins")
set(NEXUS_DEB_CONFFILES ${CMAKE_BINARY_DIR}/packaging/conffiles)
file(WRITE ${NEXUS_DEB_CONFFILES} "/etc/cni/net.d/10-nexus.conflist\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${NEXUS_DEB_CONFFILES})
# Only what the install rules name: not the tests, bench or fuzz targets.
include(CPack)
