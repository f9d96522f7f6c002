# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by tests that let a peer (dockerd) change the host's firewall: firewall_snapshot
# before it starts, firewall_restore after it stopped puts back what it changed (rules and
# chains it added, the FORWARD policy, net.ipv4.ip_forward) and leaves everything else,
# Pier's own rule included, as it is.

# firewall_snapshot DIR
firewall_snapshot() {
  iptables-save -t filter >"$1/filter.before"
  iptables-save -t nat >"$1/nat.before"
  cat /proc/sys/net/ipv4/ip_forward >"$1/ip_forward.before"
  iptables -S FORWARD | awk '$1 == "-P" {print $3}' >"$1/forward-policy.before"
}

# firewall_restore DIR: every rule that names docker and was not there before goes, then the
# chains it made, then the policy and the forwarding switch.
firewall_restore() {
  local dir=$1 table rule chain
  for table in filter nat; do
    iptables-save -t "$table" | grep -e '^-A ' | grep -i docker | grep -vxF -f "$dir/$table.before" |
      while IFS= read -r rule; do
        eval "iptables -w -t $table -D ${rule#-A }" || true
      done || true
    iptables-save -t "$table" | awk '/^:DOCKER/ {print substr($1, 2)}' | grep -vxF -f <(awk '/^:/ {print substr($1, 2)}' "$dir/$table.before") |
      while IFS= read -r chain; do
        iptables -w -t "$table" -F "$chain" && iptables -w -t "$table" -X "$chain" || true
      done || true
  done
  iptables -w -P FORWARD "$(cat "$dir/forward-policy.before")"
  cat "$dir/ip_forward.before" >/proc/sys/net/ipv4/ip_forward
  if ! grep -q docker0 "$dir/filter.before" && ip link show docker0 >/dev/null 2>&1; then
    ip link delete docker0
  fi
}
