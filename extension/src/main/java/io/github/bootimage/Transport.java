package io.github.bootimage;

/** How commands reach the guest. */
public enum Transport {
    /** SSH when the image has an SSH server, the console otherwise. */
    AUTO,
    /** A framed protocol over the guest's autologin root shell on its console. */
    CONSOLE,
    /** One persistent SSH connection to the guest's sshd, a session per command. */
    SSH
}
