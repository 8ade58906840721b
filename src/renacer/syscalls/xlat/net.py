"""Socket and poll constant tables (values from bits/socket.h, linux/in.h, asm-generic/poll.h).

Socket options and their levels live in ``sockopt``; SOCKOPT_LEVELS is re-exported for cmsg levels.
"""

from __future__ import annotations

from . import Xlat
from .sockopt import SOCKOPT_LEVELS as SOCKOPT_LEVELS  # re-exported: cmsg levels (msg.py)

POLL_EVENTS = Xlat.of(
    (0x1, "POLLIN"),
    (0x2, "POLLPRI"),
    (0x4, "POLLOUT"),
    (0x8, "POLLERR"),
    (0x10, "POLLHUP"),
    (0x20, "POLLNVAL"),
    (0x40, "POLLRDNORM"),
    (0x80, "POLLRDBAND"),
    (0x100, "POLLWRNORM"),
    (0x200, "POLLWRBAND"),
    (0x400, "POLLMSG"),
    (0x2000, "POLLRDHUP"),
)
FAMILIES = Xlat.of(
    (0, "AF_UNSPEC"), (1, "AF_UNIX"), (2, "AF_INET"), (3, "AF_AX25"), (4, "AF_IPX"), (5, "AF_APPLETALK"),
    (6, "AF_NETROM"), (7, "AF_BRIDGE"), (8, "AF_ATMPVC"), (9, "AF_X25"), (10, "AF_INET6"), (11, "AF_ROSE"),
    (12, "AF_DECnet"), (13, "AF_NETBEUI"), (14, "AF_SECURITY"), (15, "AF_KEY"), (16, "AF_NETLINK"),
    (17, "AF_PACKET"), (18, "AF_ASH"), (19, "AF_ECONET"), (20, "AF_ATMSVC"), (21, "AF_RDS"), (22, "AF_SNA"),
    (23, "AF_IRDA"), (24, "AF_PPPOX"), (25, "AF_WANPIPE"), (26, "AF_LLC"), (27, "AF_IB"), (28, "AF_MPLS"),
    (29, "AF_CAN"), (30, "AF_TIPC"), (31, "AF_BLUETOOTH"), (32, "AF_IUCV"), (33, "AF_RXRPC"),
    (34, "AF_ISDN"), (35, "AF_PHONET"), (36, "AF_IEEE802154"), (37, "AF_CAIF"), (38, "AF_ALG"),
    (39, "AF_NFC"), (40, "AF_VSOCK"), (41, "AF_KCM"), (42, "AF_QIPCRTR"), (43, "AF_SMC"), (44, "AF_XDP"),
    (45, "AF_MCTP"),
)

SOCK_TYPES = Xlat.of(
    (1, "SOCK_STREAM"),
    (2, "SOCK_DGRAM"),
    (3, "SOCK_RAW"),
    (4, "SOCK_RDM"),
    (5, "SOCK_SEQPACKET"),
    (6, "SOCK_DCCP"),
    (10, "SOCK_PACKET"),
)
SOCK_FLAGS = Xlat.of((0o2000000, "SOCK_CLOEXEC"), (0o4000, "SOCK_NONBLOCK"))
SHUTDOWN_HOW = Xlat.of((0, "SHUT_RD"), (1, "SHUT_WR"), (2, "SHUT_RDWR"))

# socket()'s protocol, by family: IPPROTO_* (linux/in.h), NETLINK_* (linux/netlink.h),
# ETH_P_* (linux/if_ether.h; AF_PACKET, in network byte order).
IP_PROTOCOLS = Xlat.of(
    (0, "IPPROTO_IP"), (1, "IPPROTO_ICMP"), (2, "IPPROTO_IGMP"), (4, "IPPROTO_IPIP"), (6, "IPPROTO_TCP"),
    (8, "IPPROTO_EGP"), (12, "IPPROTO_PUP"), (17, "IPPROTO_UDP"), (22, "IPPROTO_IDP"), (29, "IPPROTO_TP"),
    (33, "IPPROTO_DCCP"), (41, "IPPROTO_IPV6"), (43, "IPPROTO_ROUTING"), (44, "IPPROTO_FRAGMENT"),
    (46, "IPPROTO_RSVP"), (47, "IPPROTO_GRE"), (50, "IPPROTO_ESP"), (51, "IPPROTO_AH"),
    (58, "IPPROTO_ICMPV6"), (59, "IPPROTO_NONE"), (60, "IPPROTO_DSTOPTS"), (92, "IPPROTO_MTP"),
    (94, "IPPROTO_BEETPH"), (98, "IPPROTO_ENCAP"), (103, "IPPROTO_PIM"), (108, "IPPROTO_COMP"),
    (115, "IPPROTO_L2TP"), (132, "IPPROTO_SCTP"), (135, "IPPROTO_MH"), (136, "IPPROTO_UDPLITE"),
    (137, "IPPROTO_MPLS"), (143, "IPPROTO_ETHERNET"), (255, "IPPROTO_RAW"), (262, "IPPROTO_MPTCP"),
)

NETLINK_PROTOCOLS = Xlat.of(
    (0, "NETLINK_ROUTE"), (1, "NETLINK_UNUSED"), (2, "NETLINK_USERSOCK"), (3, "NETLINK_FIREWALL"),
    (4, "NETLINK_SOCK_DIAG"), (5, "NETLINK_NFLOG"), (6, "NETLINK_XFRM"), (7, "NETLINK_SELINUX"),
    (8, "NETLINK_ISCSI"), (9, "NETLINK_AUDIT"), (10, "NETLINK_FIB_LOOKUP"), (11, "NETLINK_CONNECTOR"),
    (12, "NETLINK_NETFILTER"), (13, "NETLINK_IP6_FW"), (14, "NETLINK_DNRTMSG"),
    (15, "NETLINK_KOBJECT_UEVENT"), (16, "NETLINK_GENERIC"), (18, "NETLINK_SCSITRANSPORT"),
    (19, "NETLINK_ECRYPTFS"), (20, "NETLINK_RDMA"), (21, "NETLINK_CRYPTO"), (22, "NETLINK_SMC"),
)

ETH_PROTOCOLS = Xlat.of(
    (0x1, "ETH_P_802_3"), (0x2, "ETH_P_AX25"), (0x3, "ETH_P_ALL"), (0x4, "ETH_P_802_2"),
    (0x5, "ETH_P_SNAP"), (0x6, "ETH_P_DDCMP"), (0x7, "ETH_P_WAN_PPP"), (0x8, "ETH_P_PPP_MP"),
    (0x9, "ETH_P_LOCALTALK"), (0xc, "ETH_P_CAN"), (0xd, "ETH_P_CANFD"), (0xe, "ETH_P_CANXL"),
    (0x10, "ETH_P_PPPTALK"), (0x11, "ETH_P_TR_802_2"), (0x15, "ETH_P_MOBITEX"), (0x16, "ETH_P_CONTROL"),
    (0x17, "ETH_P_IRDA"), (0x18, "ETH_P_ECONET"), (0x19, "ETH_P_HDLC"), (0x1a, "ETH_P_ARCNET"),
    (0x1b, "ETH_P_DSA"), (0x1c, "ETH_P_TRAILER"), (0x60, "ETH_P_LOOP"), (0xf5, "ETH_P_PHONET"),
    (0xf6, "ETH_P_IEEE802154"), (0xf7, "ETH_P_CAIF"), (0xf8, "ETH_P_XDSA"), (0xf9, "ETH_P_MAP"),
    (0xfa, "ETH_P_MCTP"), (0x200, "ETH_P_PUP"), (0x201, "ETH_P_PUPAT"), (0x600, "ETH_P_802_3_MIN"),
    (0x800, "ETH_P_IP"), (0x805, "ETH_P_X25"), (0x806, "ETH_P_ARP"), (0xa00, "ETH_P_IEEEPUP"),
    (0xa01, "ETH_P_IEEEPUPAT"), (0x22eb, "ETH_P_ERSPAN2"), (0x22f0, "ETH_P_TSN"), (0x4305, "ETH_P_BATMAN"),
    (0x6000, "ETH_P_DEC"), (0x6001, "ETH_P_DNA_DL"), (0x6002, "ETH_P_DNA_RC"), (0x6003, "ETH_P_DNA_RT"),
    (0x6004, "ETH_P_LAT"), (0x6005, "ETH_P_DIAG"), (0x6006, "ETH_P_CUST"), (0x6007, "ETH_P_SCA"),
    (0x6558, "ETH_P_TEB"), (0x8035, "ETH_P_RARP"), (0x809b, "ETH_P_ATALK"), (0x80f3, "ETH_P_AARP"),
    (0x8100, "ETH_P_8021Q"), (0x8137, "ETH_P_IPX"), (0x86dd, "ETH_P_IPV6"), (0x8808, "ETH_P_PAUSE"),
    (0x8809, "ETH_P_SLOW"), (0x883e, "ETH_P_WCCP"), (0x8847, "ETH_P_MPLS_UC"), (0x8848, "ETH_P_MPLS_MC"),
    (0x884c, "ETH_P_ATMMPOA"), (0x8863, "ETH_P_PPP_DISC"), (0x8864, "ETH_P_PPP_SES"),
    (0x886c, "ETH_P_LINK_CTL"), (0x8884, "ETH_P_ATMFATE"), (0x888e, "ETH_P_PAE"), (0x8899, "ETH_P_REALTEK"),
    (0x88a2, "ETH_P_AOE"), (0x88a8, "ETH_P_8021AD"), (0x88b5, "ETH_P_802_EX1"), (0x88be, "ETH_P_ERSPAN"),
    (0x88c7, "ETH_P_PREAUTH"), (0x88ca, "ETH_P_TIPC"), (0x88cc, "ETH_P_LLDP"), (0x88e3, "ETH_P_MRP"),
    (0x88e5, "ETH_P_MACSEC"), (0x88e7, "ETH_P_8021AH"), (0x88f5, "ETH_P_MVRP"), (0x88f7, "ETH_P_1588"),
    (0x88f8, "ETH_P_NCSI"), (0x88fb, "ETH_P_PRP"), (0x8902, "ETH_P_CFM"), (0x8906, "ETH_P_FCOE"),
    (0x890d, "ETH_P_TDLS"), (0x8914, "ETH_P_FIP"), (0x8915, "ETH_P_IBOE"), (0x8917, "ETH_P_80221"),
    (0x892f, "ETH_P_HSR"), (0x894f, "ETH_P_NSH"), (0x9000, "ETH_P_LOOPBACK"), (0x9100, "ETH_P_QINQ1"),
    (0x9200, "ETH_P_QINQ2"), (0x9300, "ETH_P_QINQ3"), (0xdada, "ETH_P_EDSA"), (0xdadb, "ETH_P_DSA_8021Q"),
    (0xe001, "ETH_P_DSA_A5PSW"), (0xed3e, "ETH_P_IFE"), (0xfbfb, "ETH_P_AF_IUCV"),
)

# struct sockaddr_ll: sll_hatype (linux/if_arp.h) and sll_pkttype (linux/if_packet.h).
ARPHRD_TYPES = Xlat.of(
    (0, "ARPHRD_NETROM"), (1, "ARPHRD_ETHER"), (2, "ARPHRD_EETHER"), (3, "ARPHRD_AX25"),
    (4, "ARPHRD_PRONET"), (5, "ARPHRD_CHAOS"), (6, "ARPHRD_IEEE802"), (7, "ARPHRD_ARCNET"),
    (8, "ARPHRD_APPLETLK"), (15, "ARPHRD_DLCI"), (19, "ARPHRD_ATM"), (23, "ARPHRD_METRICOM"),
    (24, "ARPHRD_IEEE1394"), (27, "ARPHRD_EUI64"), (32, "ARPHRD_INFINIBAND"), (256, "ARPHRD_SLIP"),
    (257, "ARPHRD_CSLIP"), (258, "ARPHRD_SLIP6"), (259, "ARPHRD_CSLIP6"), (260, "ARPHRD_RSRVD"),
    (264, "ARPHRD_ADAPT"), (270, "ARPHRD_ROSE"), (271, "ARPHRD_X25"), (272, "ARPHRD_HWX25"),
    (280, "ARPHRD_CAN"), (290, "ARPHRD_MCTP"), (512, "ARPHRD_PPP"), (513, "ARPHRD_CISCO"),
    (516, "ARPHRD_LAPB"), (517, "ARPHRD_DDCMP"), (518, "ARPHRD_RAWHDLC"), (519, "ARPHRD_RAWIP"),
    (768, "ARPHRD_TUNNEL"), (769, "ARPHRD_TUNNEL6"), (770, "ARPHRD_FRAD"), (771, "ARPHRD_SKIP"),
    (772, "ARPHRD_LOOPBACK"), (773, "ARPHRD_LOCALTLK"), (774, "ARPHRD_FDDI"), (775, "ARPHRD_BIF"),
    (776, "ARPHRD_SIT"), (777, "ARPHRD_IPDDP"), (778, "ARPHRD_IPGRE"), (779, "ARPHRD_PIMREG"),
    (780, "ARPHRD_HIPPI"), (781, "ARPHRD_ASH"), (782, "ARPHRD_ECONET"), (783, "ARPHRD_IRDA"),
    (784, "ARPHRD_FCPP"), (785, "ARPHRD_FCAL"), (786, "ARPHRD_FCPL"), (787, "ARPHRD_FCFABRIC"),
    (800, "ARPHRD_IEEE802_TR"), (801, "ARPHRD_IEEE80211"), (802, "ARPHRD_IEEE80211_PRISM"),
    (803, "ARPHRD_IEEE80211_RADIOTAP"), (804, "ARPHRD_IEEE802154"), (805, "ARPHRD_IEEE802154_MONITOR"),
    (820, "ARPHRD_PHONET"), (821, "ARPHRD_PHONET_PIPE"), (822, "ARPHRD_CAIF"), (823, "ARPHRD_IP6GRE"),
    (824, "ARPHRD_NETLINK"), (825, "ARPHRD_6LOWPAN"), (826, "ARPHRD_VSOCKMON"), (65534, "ARPHRD_NONE"),
    (65535, "ARPHRD_VOID"),
)

PACKET_TYPES = Xlat.of(
    (0, "PACKET_HOST"), (1, "PACKET_BROADCAST"), (2, "PACKET_MULTICAST"), (3, "PACKET_OTHERHOST"),
    (4, "PACKET_OUTGOING"), (5, "PACKET_LOOPBACK"), (6, "PACKET_USER"), (7, "PACKET_KERNEL"),
)


# send/recv flags (bits/socket.h), control message types (bits/socket.h, asm-generic/socket.h)
# and preadv2/pwritev2 flags (linux/fs.h).
MSG_FLAGS = Xlat.of(
    (0x1, "MSG_OOB"),
    (0x2, "MSG_PEEK"),
    (0x4, "MSG_DONTROUTE"),
    (0x8, "MSG_CTRUNC"),
    (0x10, "MSG_PROXY"),
    (0x20, "MSG_TRUNC"),
    (0x40, "MSG_DONTWAIT"),
    (0x80, "MSG_EOR"),
    (0x100, "MSG_WAITALL"),
    (0x200, "MSG_FIN"),
    (0x400, "MSG_SYN"),
    (0x800, "MSG_CONFIRM"),
    (0x1000, "MSG_RST"),
    (0x2000, "MSG_ERRQUEUE"),
    (0x4000, "MSG_NOSIGNAL"),
    (0x8000, "MSG_MORE"),
    (0x10000, "MSG_WAITFORONE"),
    (0x40000, "MSG_BATCH"),
    (0x4000000, "MSG_ZEROCOPY"),
    (0x20000000, "MSG_FASTOPEN"),
    (0x40000000, "MSG_CMSG_CLOEXEC"),
)
SCM_TYPES = Xlat.of(
    (1, "SCM_RIGHTS"),
    (2, "SCM_CREDENTIALS"),
    (3, "SCM_SECURITY"),
    (4, "SCM_PIDFD"),
    (29, "SO_TIMESTAMP_OLD"),
    (35, "SO_TIMESTAMPNS_OLD"),
    (37, "SO_TIMESTAMPING_OLD"),
    (41, "SO_WIFI_STATUS"),
    (54, "SCM_TIMESTAMPING_OPT_STATS"),
    (58, "SCM_TIMESTAMPING_PKTINFO"),
    (61, "SO_TXTIME"),
)
RWF_FLAGS = Xlat.of(
    (0x1, "RWF_HIPRI"),
    (0x2, "RWF_DSYNC"),
    (0x4, "RWF_SYNC"),
    (0x8, "RWF_NOWAIT"),
    (0x10, "RWF_APPEND"),
)
