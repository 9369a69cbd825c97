# The NAT lab every real-kernel test builds in the guest (sourced by bash; the conformance suite
# runs it through NAT_TOPOLOGY in kernel.ts, the fixture recorders source it from their share).
sysctl -qw net.ipv4.ip_forward=1
sysctl -qw net.ipv4.vs.conntrack=1 2>/dev/null || true
ip netns add client
ip link add c-host type veth peer name c-ns
ip link set c-ns netns client
ip addr add 10.30.0.1/24 dev c-host; ip link set c-host up
ip -n client addr add 10.30.0.2/24 dev c-ns; ip -n client link set c-ns up; ip -n client link set lo up
ip -n client route add default via 10.30.0.1
ip addr add 10.10.0.1/32 dev lo
for i in 1 2 3; do
  ip netns add rs$i
  ip link add rs$i-host type veth peer name rs$i-ns
  ip link set rs$i-ns netns rs$i
  ip addr add 10.20.$i.1/24 dev rs$i-host; ip link set rs$i-host up
  ip -n rs$i addr add 10.20.$i.2/24 dev rs$i-ns; ip -n rs$i link set rs$i-ns up; ip -n rs$i link set lo up
  ip -n rs$i route add default via 10.20.$i.1
  mkdir -p /srv/rs$i; echo "rs$i" >/srv/rs$i/index.html
  ip netns exec rs$i busybox httpd -p 80 -h /srv/rs$i
done
