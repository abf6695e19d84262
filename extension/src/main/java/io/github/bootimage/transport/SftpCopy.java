package io.github.bootimage.transport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import net.schmizz.sshj.sftp.FileAttributes;
import net.schmizz.sshj.sftp.FileMode;
import net.schmizz.sshj.sftp.OpenMode;
import net.schmizz.sshj.sftp.RemoteFile;
import net.schmizz.sshj.sftp.RemoteResourceInfo;
import net.schmizz.sshj.sftp.SFTPClient;

import io.github.bootimage.failure.Failures;
import io.github.bootimage.ExecRequest;
import io.github.bootimage.ExecResult;
import io.github.bootimage.image.ImageCache;

/**
 * Copies files and directory trees over SFTP, keeping permission bits and modification times;
 * symbolic links stay links. The destination path names the copy itself (an existing one is
 * replaced), as with the console's tar copy.
 */
final class SftpCopy {
    private static final int OUTSTANDING = 32;
    private static final Duration PREPARE = Duration.ofSeconds(60);
    private static final String VIA = "ssh/sftp";

    private final SshTransport ssh;
    private final String machine;

    SftpCopy(SshTransport ssh, String machine) {
        this.ssh = ssh;
        this.machine = machine;
    }

    void copyTo(Path hostPath, String guestPath) {
        if (!Files.exists(hostPath, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalArgumentException("copyTo: host path " + hostPath + " does not exist");
        }
        ExecResult r = ssh.execHeld(ExecRequest.of("sh", "-c", "rm -rf -- \"$1\" && mkdir -p -- \"$(dirname -- \"$1\")\"",
                "sh", guestPath), PREPARE);
        if (r.exitCode() != 0) {
            throw Failures.copyFailedInGuest(machine, VIA, "copyTo", hostPath.toString(), guestPath,
                    "preparing the destination", r);
        }
        ExecRequest req = ExecRequest.of("copyTo", hostPath.toString(), guestPath);
        try (SFTPClient sftp = ssh.client(req).newSFTPClient()) {
            upload(sftp, hostPath, guestPath);
        } catch (IOException e) {
            throw Failures.copyFailed(machine, VIA, "copyTo", hostPath.toString(), guestPath, SshTransport.describe(e), e);
        }
    }

    private void upload(SFTPClient sftp, Path local, String remote) throws IOException {
        int mode = (Integer) Files.getAttribute(local, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
        long mtime = Files.getLastModifiedTime(local, LinkOption.NOFOLLOW_LINKS).toMillis() / 1000;
        if (Files.isSymbolicLink(local)) {
            // OpenSSH's sftp-server takes SSH_FXP_SYMLINK's arguments in reverse order; ln is unambiguous.
            ExecResult r = ssh.execHeld(ExecRequest.of("ln", "-s", "--", Files.readSymbolicLink(local).toString(), remote), PREPARE);
            if (r.exitCode() != 0) {
                throw new IOException("ln -s for " + remote + " failed: " + r);
            }
            return;
        }
        if (Files.isDirectory(local, LinkOption.NOFOLLOW_LINKS)) {
            sftp.mkdir(remote);
            try (Stream<Path> s = Files.list(local)) {
                for (Path child : s.sorted().toList()) {
                    upload(sftp, child, remote + "/" + child.getFileName());
                }
            }
        } else {
            FileAttributes initial = new FileAttributes.Builder().withPermissions(0600).build();
            try (RemoteFile rf = sftp.open(remote, EnumSet.of(OpenMode.WRITE, OpenMode.CREAT, OpenMode.TRUNC), initial);
                 InputStream in = Files.newInputStream(local);
                 OutputStream out = rf.new RemoteFileOutputStream(0, OUTSTANDING)) {
                in.transferTo(out);
            }
        }
        sftp.setattr(remote, new FileAttributes.Builder().withPermissions(mode).withAtimeMtime(mtime, mtime).build());
    }

    void copyFrom(String guestPath, Path hostPath) {
        ExecRequest req = ExecRequest.of("copyFrom", guestPath, hostPath.toString());
        Path abs = hostPath.toAbsolutePath();
        Path tmp = null;
        try (SFTPClient sftp = ssh.client(req).newSFTPClient()) {
            FileAttributes a;
            try {
                a = sftp.lstat(guestPath);
            } catch (IOException e) {
                throw Failures.copyFailed(machine, VIA, "copyFrom", guestPath, hostPath.toString(),
                        "the guest path does not exist or cannot be read (" + SshTransport.describe(e) + ")", e);
            }
            Files.createDirectories(abs.getParent());
            tmp = Files.createTempDirectory(abs.getParent(), ".bootimage-copy");
            Path entry = tmp.resolve(abs.getFileName());
            download(sftp, guestPath, a, entry);
            if (Files.isDirectory(abs, LinkOption.NOFOLLOW_LINKS)) {
                ImageCache.deleteTree(abs);
            }
            Files.move(entry, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw Failures.copyFailed(machine, VIA, "copyFrom", guestPath, hostPath.toString(), SshTransport.describe(e), e);
        } finally {
            if (tmp != null) {
                ImageCache.deleteTree(tmp);
            }
        }
    }

    private void download(SFTPClient sftp, String remote, FileAttributes a, Path local) throws IOException {
        FileMode.Type type = a.getType();
        if (type == FileMode.Type.SYMLINK) {
            Files.createSymbolicLink(local, Path.of(sftp.readlink(remote)));
            return;
        }
        if (type == FileMode.Type.DIRECTORY) {
            Files.createDirectory(local);
            List<RemoteResourceInfo> children = sftp.ls(remote);
            for (RemoteResourceInfo c : children) {
                if (!c.getName().equals(".") && !c.getName().equals("..")) {
                    download(sftp, remote + "/" + c.getName(), c.getAttributes(), local.resolve(c.getName()));
                }
            }
        } else if (type == FileMode.Type.REGULAR) {
            try (RemoteFile rf = sftp.open(remote, EnumSet.of(OpenMode.READ));
                 InputStream in = rf.new ReadAheadRemoteFileInputStream(OUTSTANDING);
                 OutputStream out = Files.newOutputStream(local)) {
                in.transferTo(out);
            }
        } else {
            throw new IOException(remote + " is a " + type + ", which copyFrom does not copy");
        }
        Files.setPosixFilePermissions(local, permissions(a.getMode().getPermissionsMask()));
        Files.setLastModifiedTime(local, FileTime.fromMillis(a.getMtime() * 1000));
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.OWNER_READ};
        for (int i = 0; i < order.length; i++) {
            if ((mode & (1 << i)) != 0) {
                s.add(order[i]);
            }
        }
        return s;
    }
}
