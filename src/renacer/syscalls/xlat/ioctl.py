"""ioctl request numbers and termios tables (values from asm-generic/ioctls.h, asm-generic/termbits.h,
linux/tty.h); flag entries in the order strace prints them."""

from __future__ import annotations

from . import Xlat

# 0x5402-0x5404 are also the OSS sequencer's _IO('T', n) timer requests; strace names both.
REQUESTS = Xlat.of(
    (0x5401, "TCGETS"),
    (0x5402, "SNDCTL_TMR_START or TCSETS"),
    (0x5403, "SNDCTL_TMR_STOP or TCSETSW"),
    (0x5404, "SNDCTL_TMR_CONTINUE or TCSETSF"),
    (0x5405, "TCGETA"),
    (0x5406, "TCSETA"),
    (0x5407, "TCSETAW"),
    (0x5408, "TCSETAF"),
    (0x5409, "TCSBRK"),
    (0x540A, "TCXONC"),
    (0x540B, "TCFLSH"),
    (0x540C, "TIOCEXCL"),
    (0x540D, "TIOCNXCL"),
    (0x540E, "TIOCSCTTY"),
    (0x540F, "TIOCGPGRP"),
    (0x5410, "TIOCSPGRP"),
    (0x5411, "TIOCOUTQ"),
    (0x5412, "TIOCSTI"),
    (0x5413, "TIOCGWINSZ"),
    (0x5414, "TIOCSWINSZ"),
    (0x5415, "TIOCMGET"),
    (0x5416, "TIOCMBIS"),
    (0x5417, "TIOCMBIC"),
    (0x5418, "TIOCMSET"),
    (0x541B, "FIONREAD"),
    (0x541C, "TIOCLINUX"),
    (0x541D, "TIOCCONS"),
    (0x5421, "FIONBIO"),
    (0x5422, "TIOCNOTTY"),
    (0x5423, "TIOCSETD"),
    (0x5424, "TIOCGETD"),
    (0x5429, "TIOCGSID"),
    (0x80045430, "TIOCGPTN"),
    (0x40045431, "TIOCSPTLCK"),
    (0x5441, "TIOCGPTPEER"),
    (0x5450, "FIONCLEX"),
    (0x5451, "FIOCLEX"),
    (0x5452, "FIOASYNC"),
    (0x5460, "FIOQSIZE"),
    (0x40049409, "BTRFS_IOC_CLONE or FICLONE"),  # _IOW(0x94, 9, int)
)
IOC_DIRS = Xlat.of((2, "_IOC_READ"), (1, "_IOC_WRITE"))  # strace prints READ first
TCFLSH_ARGS = Xlat.of((0, "TCIFLUSH"), (1, "TCOFLUSH"), (2, "TCIOFLUSH"))
TCXONC_ARGS = Xlat.of((0, "TCOOFF"), (1, "TCOON"), (2, "TCIOFF"), (3, "TCION"))

IFLAGS = Xlat.of(
    (0o1, "IGNBRK"),
    (0o2, "BRKINT"),
    (0o4, "IGNPAR"),
    (0o10, "PARMRK"),
    (0o20, "INPCK"),
    (0o40, "ISTRIP"),
    (0o100, "INLCR"),
    (0o200, "IGNCR"),
    (0o400, "ICRNL"),
    (0o1000, "IUCLC"),
    (0o2000, "IXON"),
    (0o4000, "IXANY"),
    (0o10000, "IXOFF"),
    (0o20000, "IMAXBEL"),
    (0o40000, "IUTF8"),
)
# c_oflag's delay fields print first, each as one named value.
OFLAG_DELAYS = (
    (0o400, Xlat.of((0, "NL0"), (0o400, "NL1"))),
    (0o3000, Xlat.of((0, "CR0"), (0o1000, "CR1"), (0o2000, "CR2"), (0o3000, "CR3"))),
    (0o14000, Xlat.of((0, "TAB0"), (0o4000, "TAB1"), (0o10000, "TAB2"), (0o14000, "XTABS"))),
    (0o20000, Xlat.of((0, "BS0"), (0o20000, "BS1"))),
    (0o40000, Xlat.of((0, "VT0"), (0o40000, "VT1"))),
    (0o100000, Xlat.of((0, "FF0"), (0o100000, "FF1"))),
)
OFLAGS = Xlat.of(
    (0o1, "OPOST"),
    (0o2, "OLCUC"),
    (0o4, "ONLCR"),
    (0o10, "OCRNL"),
    (0o20, "ONOCR"),
    (0o40, "ONLRET"),
    (0o100, "OFILL"),
    (0o200, "OFDEL"),
)
BAUDS = Xlat.of(
    (0o0, "B0"),
    (0o1, "B50"),
    (0o2, "B75"),
    (0o3, "B110"),
    (0o4, "B134"),
    (0o5, "B150"),
    (0o6, "B200"),
    (0o7, "B300"),
    (0o10, "B600"),
    (0o11, "B1200"),
    (0o12, "B1800"),
    (0o13, "B2400"),
    (0o14, "B4800"),
    (0o15, "B9600"),
    (0o16, "B19200"),
    (0o17, "B38400"),
    (0o10001, "B57600"),
    (0o10002, "B115200"),
    (0o10003, "B230400"),
    (0o10004, "B460800"),
    (0o10005, "B500000"),
    (0o10006, "B576000"),
    (0o10007, "B921600"),
    (0o10010, "B1000000"),
    (0o10011, "B1152000"),
    (0o10012, "B1500000"),
    (0o10013, "B2000000"),
    (0o10014, "B2500000"),
    (0o10015, "B3000000"),
    (0o10016, "B3500000"),
    (0o10017, "B4000000"),
    (0o10000, "BOTHER"),
)
CBAUD = 0o10017
IBSHIFT = 16  # the input speed, when set apart, sits in CIBAUD: CBAUD shifted up
CSIZE_MASK = 0o60
CSIZE = Xlat.of((0, "CS5"), (0o20, "CS6"), (0o40, "CS7"), (0o60, "CS8"))
CC_FLAGS = Xlat.of(
    (0o100, "CSTOPB"),
    (0o200, "CREAD"),
    (0o400, "PARENB"),
    (0o1000, "PARODD"),
    (0o2000, "HUPCL"),
    (0o4000, "CLOCAL"),
    (0o10000000000, "CMSPAR"),
    (0o20000000000, "CRTSCTS"),
)
# Order follows strace's output (observed): IEXTEN before ECHOCTL, TOSTOP after PENDIN.
LFLAGS = Xlat.of(
    (0o1, "ISIG"),
    (0o2, "ICANON"),
    (0o4, "XCASE"),
    (0o10, "ECHO"),
    (0o20, "ECHOE"),
    (0o40, "ECHOK"),
    (0o100, "ECHONL"),
    (0o200, "NOFLSH"),
    (0o100000, "IEXTEN"),
    (0o1000, "ECHOCTL"),
    (0o2000, "ECHOPRT"),
    (0o4000, "ECHOKE"),
    (0o10000, "FLUSHO"),
    (0o40000, "PENDIN"),
    (0o400, "TOSTOP"),
    (0o200000, "EXTPROC"),
)
# c_line: the line discipline (strace 6.1 names these; N_MCTP and later print as numbers).
LINE_DISCIPLINES = Xlat.of(
    (0, "N_TTY"),
    (1, "N_SLIP"),
    (2, "N_MOUSE"),
    (3, "N_PPP"),
    (4, "N_STRIP"),
    (5, "N_AX25"),
    (6, "N_X25"),
    (7, "N_6PACK"),
    (8, "N_MASC"),
    (9, "N_R3964"),
    (10, "N_PROFIBUS_FDL"),
    (11, "N_IRDA"),
    (12, "N_SMSBLOCK"),
    (13, "N_HDLC"),
    (14, "N_SYNC_PPP"),
    (15, "N_HCI"),
    (16, "N_GIGASET_M101"),
    (17, "N_SLCAN"),
    (18, "N_PPS"),
    (19, "N_V253"),
    (20, "N_CAIF"),
    (21, "N_GSM0710"),
    (22, "N_TI_WL"),
    (23, "N_TRACESINK"),
    (24, "N_TRACEROUTER"),
    (25, "N_NCI"),
    (26, "N_SPEAKUP"),
    (27, "N_NULL"),
)
# c_cc's slots by index; the kernel's array has NCCS (19) of them, the last two unnamed.
CC_NAMES = ("VINTR", "VQUIT", "VERASE", "VKILL", "VEOF", "VTIME", "VMIN", "VSWTC", "VSTART", "VSTOP",
            "VSUSP", "VEOL", "VREPRINT", "VDISCARD", "VWERASE", "VLNEXT", "VEOL2")
NCCS = 19
