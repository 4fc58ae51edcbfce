#!/bin/sh
# Starts an FRR leaf with the netns VRF backend: zebra -n turns every entry of /run/netns into a VRF, so zebra and
# bgpd run in a private mount namespace whose /run/netns holds only the VRF's namespace, under the VRF's name.
# bgpd must share that mount namespace (it resolves VRFs by name through it).
#   start-frr.sh <instance> <vrf-netns> <vrf-name> <frr.conf>
set -eu
inst=$1 vrfns=$2 vrf=$3 conf=$4
# A handle on the VRF namespace outside /run/netns, which the tmpfs below hides.
handle=/run/gwlab/netns-handle-$inst-$vrf
mkdir -p /run/gwlab && : > "$handle"
logdir=/run/gwlab/${LAB:-evpn}
mkdir -p "$logdir"
unshare -m --propagation private sh -c "
  set -e
  mount --bind /run/netns/$vrfns $handle
  mount -t tmpfs tmpfs /run/netns
  touch /run/netns/$vrf && mount --bind $handle /run/netns/$vrf
  /usr/lib/frr/zebra -d -n -N $inst -f /dev/null -P 0 --log file:$logdir/$inst-zebra.log
  /usr/lib/frr/bgpd -d -N $inst -f /dev/null -P 0 --log file:$logdir/$inst-bgpd.log
"
i=0
until vtysh -N "$inst" -d bgpd -c 'show version' >/dev/null 2>&1; do
  i=$((i + 1)); [ $i -lt 100 ] || { echo "start-frr: bgpd of $inst did not answer" >&2; exit 1; }
  sleep 0.1
done
vtysh -N "$inst" -f "$conf"
