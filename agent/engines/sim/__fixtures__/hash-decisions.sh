#!/bin/bash
# Guest script that recorded __fixtures__/hash-decisions.txt: run with ../shared/ipvs-vm/build-and-run.sh script <this file>
# (IPVSVM_SHARE=<dir>; the log lands in <dir>/exp2.log). Same netns topology as the fixtures 200-236.
OUT=/mnt/host
exec >$OUT/exp2.log 2>&1
sysctl -qw net.ipv4.ip_forward=1
sysctl -qw net.ipv4.vs.conntrack=1 2>/dev/null
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
one() { ip netns exec client timeout 5 wget -q -O - "http://10.10.0.1/" >/dev/null 2>&1 || echo FAIL; }
ipvsadm -A -t 10.10.0.1:80 -s sh -b sh-port
ipvsadm -a -t 10.10.0.1:80 -r 10.20.1.2:80 -m -w 1
ipvsadm -a -t 10.10.0.1:80 -r 10.20.2.2:80 -m -w 2
ipvsadm -a -t 10.10.0.1:80 -r 10.20.3.2:80 -m -w 3
for i in $(seq 40); do one; done
ipvsadm -Lnc | awk '$3=="TIME_WAIT"{print "SH", $4, $6}' | sort -u > /tmp/sh
cat /tmp/sh
ipvsadm -Lnc | awk '$3=="TIME_WAIT"{print $4}' | sort > /tmp/before
ipvsadm -E -t 10.10.0.1:80 -s mh -b mh-port
for i in $(seq 40); do one; done
ipvsadm -Lnc | awk '$3=="TIME_WAIT"{print $4, $6}' | sort -u > /tmp/all
while read a d; do grep -q -x -F "$a" /tmp/before || echo "MH $a $d"; done < /tmp/all
echo "== mh-fallback with rs2 quiesced"
ipvsadm -Lnc | awk '$3=="TIME_WAIT"{print $4}' | sort > /tmp/before
ipvsadm -E -t 10.10.0.1:80 -s mh -b mh-port,mh-fallback
ipvsadm -e -t 10.10.0.1:80 -r 10.20.2.2:80 -m -w 0
for i in $(seq 40); do one; done
ipvsadm -Lnc | awk '$3=="TIME_WAIT"{print $4, $6}' | sort -u > /tmp/all
while read a d; do grep -q -x -F "$a" /tmp/before || echo "MHF $a $d"; done < /tmp/all
echo "== sh-fallback with rs2 quiesced"
ipvsadm -Lnc | awk '$3=="TIME_WAIT"{print $4}' | sort > /tmp/before
ipvsadm -E -t 10.10.0.1:80 -s sh -b sh-port,sh-fallback
for i in $(seq 40); do one; done
ipvsadm -Lnc | awk '$3=="TIME_WAIT"{print $4, $6}' | sort -u > /tmp/all
while read a d; do grep -q -x -F "$a" /tmp/before || echo "SHF $a $d"; done < /tmp/all
echo "== done"
