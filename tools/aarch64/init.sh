#!/bin/sh
# /init of renacer's aarch64 guest (made by tools/aarch64/guest.py): load the modules, mount the
# disk, then finish building the guest (renacer.mode=setup) or run /io/cmd from the shared folder
# (renacer.mode=run) in it; print RENACER-GUEST-EXIT <status> and power the machine off.
/bin/busybox --install -s /bin
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules/order); do insmod "/modules/$m" || echo "init: insmod $m failed"; done
mode=setup
for word in $(cat /proc/cmdline); do
  case $word in renacer.mode=*) mode=${word#renacer.mode=} ;; esac
done

finish() {
  sync
  echo "RENACER-GUEST-EXIT $1"
  poweroff -f
  sleep 60
}

i=0
while [ ! -b /dev/vda ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
mount -t ext4 /dev/vda /newroot || finish 124
mount -t proc proc /newroot/proc
mount -t sysfs sysfs /newroot/sys
mount -t devtmpfs devtmpfs /newroot/dev
mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts devpts /newroot/dev/pts
mount -t tmpfs tmpfs /newroot/dev/shm
mount -t tmpfs tmpfs /newroot/tmp
mount -t tracefs tracefs /newroot/sys/kernel/tracing 2>/dev/null
hostname renacer-aarch64

if [ "$mode" = setup ]; then
  chroot /newroot /bin/sh /renacer-setup.sh
  status=$?
else
  mkdir -p /newroot/project /newroot/io
  mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,ro project /newroot/project || finish 124
  mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 io /newroot/io || finish 124
  chroot /newroot /bin/sh -c 'cd /project && . /io/cmd' </dev/console >/dev/console 2>&1
  status=$?
  echo "$status" > /newroot/io/status
  umount /newroot/io
fi
finish "$status"
