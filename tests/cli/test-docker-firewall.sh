#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Docker beside Pier: a running dockerd sets iptables' FORWARD policy to DROP, which (with
# br_netfilter loaded) would cut Pier's containers on its bridge off from one another. Pier
# lets its bridge's own frames through; containers keep reaching each other and the host.
# Runs alone (is_parallel: false): it takes Pier's rule out before dockerd starts, to prove
# that a container start puts it back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../peers/firewall.sh"
. "$(dirname "$0")/../peers/peers-lib.sh"
remove_containers_on_exit

[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] || modprobe br_netfilter ||
  fail "br_netfilter is needed: without it iptables never sees bridged frames"
assert_eq "$(cat /proc/sys/net/bridge/bridge-nf-call-iptables)" 1 "bridge-nf-call-iptables"

firewall_snapshot "$SCRATCH"
on_exit "firewall_restore $SCRATCH"
# Pier's rule and its marker out: the start below must put both back.
while iptables -w -D FORWARD -i pier0 -o pier0 -j ACCEPT 2>/dev/null; do :; done
rm -f /run/pier/networks/pier0/.forward-accepted
# A host that does not route, as most are: dockerd then turns forwarding on and, with it, sets
# the FORWARD policy to DROP (firewall_restore puts the switch back).
echo 0 >/proc/sys/net/ipv4/ip_forward

dockerd_start "$SCRATCH/dockerd" firewall
on_exit "dockerd_stop $SCRATCH/dockerd"
assert_eq "$(iptables -S FORWARD | awk '$1 == "-P" {print $3}')" DROP "FORWARD policy with dockerd running"

pierctl run -d --name web busybox sh -c 'mkdir -p /www && echo from-web >/www/index.html && exec httpd -f -p 8080 -h /www' >/dev/null
ip=$(inspect_field web 'd["NetworkSettings"]["IPAddress"]')
eventually 5 wget -q -O /dev/null "http://$ip:8080/index.html" || fail "host → container beside dockerd"
assert_eq "$(pierctl run --rm busybox timeout 10 wget -q -O - "http://$ip:8080/index.html")" from-web \
  "container → container beside dockerd"
iptables -w -C FORWARD -i pier0 -o pier0 -j ACCEPT || fail "Pier's FORWARD rule is not there"
pass "containers on Pier's bridge reach each other while dockerd's FORWARD policy is DROP"

# The host is left as dockerd found it, and docker0 is gone once dockerd is.
dockerd_stop "$SCRATCH/dockerd"
firewall_restore "$SCRATCH"
assert_eq "$(iptables -S | grep -ci docker || true)" 0 "docker's rules after the restore"
ip link show docker0 >/dev/null 2>&1 && fail "docker0 is still there"
pass "dockerd's rules, chains, policy and bridge are gone after it"
