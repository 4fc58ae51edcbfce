#!/bin/sh
# A kernel VTEP for one VPC behind leaf2: the vxlan is made here (its UDP socket stays on leaf2's underlay) and
# moved into the host's namespace, which is that VPC's VRF: a bridge whose MAC is leaf2's router MAC in the VPC,
# the host address on the bridge, and the gateway (its router MAC behind its VTEP) as the way to other VPCs.
#   vtep.sh <host-netns> <vni> <router-mac> <host-ip4/len> <host-ip6/len> <router-ip4> <router-ip6>
set -eu
ns=$1 vni=$2 rmac=$3 ip4=$4 ip6=$5 r4=$6 r6=$7
GW_VTEP=10.255.0.1
GW_RMAC=02:00:00:00:aa:01
ip link add vx$vni type vxlan id $vni local 10.12.0.1 dstport 4789 nolearning
ip link set vx$vni netns "$ns"
ip -n "$ns" link add br$vni address "$rmac" type bridge forward_delay 0
ip -n "$ns" link set vx$vni master br$vni
ip -n "$ns" link set lo up
ip -n "$ns" link set vx$vni up
ip -n "$ns" link set br$vni up
ip -n "$ns" addr add "$ip4" dev br$vni
ip -n "$ns" addr add "$ip6" dev br$vni nodad
# Symmetric IRB by hand: the router address resolves to the gateway's RMAC, which lives behind its VTEP.
ip -n "$ns" neigh replace "$r4" lladdr $GW_RMAC dev br$vni nud permanent
ip -n "$ns" neigh replace "$r6" lladdr $GW_RMAC dev br$vni nud permanent
ip netns exec "$ns" bridge fdb append $GW_RMAC dev vx$vni dst $GW_VTEP self permanent
ip -n "$ns" route add 10.0.0.0/8 via "$r4" dev br$vni
ip -n "$ns" -6 route add fd00::/8 via "$r6" dev br$vni
