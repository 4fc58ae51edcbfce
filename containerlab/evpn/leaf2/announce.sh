#!/bin/sh
# leaf2's EVPN routes (gobgp, AS 65002): its VTEP in the underlay, then per VPC a type-5 route for the subnet
# (label = L3VNI, router MAC = the VPC bridge's MAC, BGP next hop = the VTEP) and, for B, a type-2 MAC+IP route
# of the host's IPv6 address (symmetric IRB: labels L2VNI,L3VNI; a /128 in the gateway's VRF B).
#   announce.sh            adds everything (waits for gobgpd's API first)
set -eu
i=0
until gobgp global >/dev/null 2>&1; do
  i=$((i + 1)); [ $i -lt 100 ] || { echo "announce: gobgpd does not answer" >&2; exit 1; }
  sleep 0.1
done
gobgp global rib -a ipv4 add 10.12.0.1/32 nexthop 10.0.2.0
E="gobgp global rib -a evpn add"
$E prefix 10.20.0.0/24 gw 0.0.0.0 etag 0 label 6000 rd 10.12.0.1:6000 rt 65002:6000 encap vxlan router-mac 02:00:00:00:bb:02 nexthop 10.12.0.1
$E prefix fd00:20::/64 gw :: etag 0 label 6000 rd 10.12.0.1:6000 rt 65002:6000 encap vxlan router-mac 02:00:00:00:bb:02 nexthop 10.12.0.1
$E macadv 02:00:00:00:bb:02 fd00:20::10 etag 0 label 6100,6000 rd 10.12.0.1:6100 rt 65002:6000 encap vxlan router-mac 02:00:00:00:bb:02 nexthop 10.12.0.1
$E prefix 10.30.0.0/24 gw 0.0.0.0 etag 0 label 7000 rd 10.12.0.1:7000 rt 65002:7000 encap vxlan router-mac 02:00:00:00:bb:03 nexthop 10.12.0.1
