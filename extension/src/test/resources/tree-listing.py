# Prints one line per file under a directory: path, mode, owner, device number, size, links,
# modification time, link target, extended attributes (every namespace) and, with --content, a
# SHA-256 of the content. Two trees are the same file by file when their listings are equal.
import hashlib
import os
import stat
import sys

root = sys.argv[1]
content = "--content" in sys.argv
for dirpath, dirnames, filenames in os.walk(root):
    dirnames.sort()
    for name in sorted(dirnames + filenames):
        p = os.path.join(dirpath, name)
        st = os.lstat(p)
        xattrs = []
        try:
            for a in sorted(os.listxattr(p, follow_symlinks=False)):
                xattrs.append(a + "=" + os.getxattr(p, a, follow_symlinks=False).hex())
        except OSError:
            pass
        kind = stat.S_IFMT(st.st_mode)
        link = os.readlink(p) if kind == stat.S_IFLNK else ""
        regular = kind == stat.S_IFREG
        digest = ""
        if content and regular:
            with open(p, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
        print(os.path.relpath(p, root), oct(st.st_mode), "%d:%d" % (st.st_uid, st.st_gid), st.st_rdev,
              st.st_size if regular else 0, st.st_nlink if regular else 0,
              int(st.st_mtime) if regular else 0, link, " ".join(xattrs), digest)
