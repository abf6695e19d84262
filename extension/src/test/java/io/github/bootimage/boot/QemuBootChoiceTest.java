package io.github.bootimage.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.github.bootimage.Boot;
import io.github.bootimage.ImageFormat;
import io.github.bootimage.Transport;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.image.MkosiConfig;
import io.github.bootimage.image.MkosiVersion;
import io.github.bootimage.runtime.BootImageRuntime;
import io.github.bootimage.runtime.Settings;

/** Boot.AUTO's choice and what a qemu image gets that an nspawn image does not. */
class QemuBootChoiceTest {
    private final BootImageRuntime factory = BootImageRuntime.forHost(new Settings(
            k -> Optional.ofNullable(Map.of("bootimage.cache.dir", "/tmp/bootimage-choice-test").get(k))));
    private final ImageSpec spec = ImageSpec.of("debian", "bookworm");

    @Test
    void autoPicksNspawnForADirectoryImageAsRootElseQemu() {
        boolean nspawnUsable = HostCapabilities.isRoot() && factory.tools().find("systemd-nspawn").isPresent();
        assertEquals(nspawnUsable ? Boot.NSPAWN : Boot.QEMU, factory.chooseBoot(Boot.AUTO, spec));
        assertEquals(Boot.QEMU, factory.chooseBoot(Boot.AUTO, spec.withFormat(ImageFormat.DISK)));
        assertEquals(Boot.QEMU, factory.chooseBoot(Boot.QEMU, spec));
    }

    @Test
    void onlyAQemuImageGetsAKernelADiskAndASerialAutologin() {
        ImageSpec vm = factory.effectiveSpec(spec, Boot.QEMU, Transport.CONSOLE);
        ImageSpec ct = factory.effectiveSpec(spec, Boot.NSPAWN, Transport.CONSOLE);
        assertTrue(vm.kernel());
        assertEquals(ImageFormat.DISK, vm.format());
        assertTrue(vm.allPackages().containsAll(java.util.List.of("linux-image-cloud-amd64", "initramfs-tools")), vm::toString);
        assertFalse(ct.kernel());
        assertFalse(ct.allPackages().contains("linux-image-cloud-amd64"));
        MkosiVersion v = MkosiVersion.parse("mkosi 24.3");
        MkosiConfig vmConf = MkosiConfig.of(vm, v);
        assertTrue(vmConf.mkosiConf().contains("Format=disk"), vmConf.mkosiConf());
        assertTrue(vmConf.mkosiConf().contains("KernelCommandLine=console=ttyS0 systemd.firstboot=off"), vmConf.mkosiConf());
        assertTrue(vmConf.mkosiConf().contains("ExtraTrees=\n        agent:/\n        vm:/"), vmConf.mkosiConf());
        String dropIn = vmConf.files().get("vm/usr/lib/systemd/system/serial-getty@ttyS0.service.d/bootimage-autologin.conf");
        assertTrue(dropIn.contains("--autologin root"), dropIn);
        assertTrue(dropIn.contains("-o '-f -p -- \\\\u'"), dropIn);
        MkosiConfig ctConf = MkosiConfig.of(ct, v);
        assertTrue(ctConf.mkosiConf().contains("Bootable=no"), ctConf.mkosiConf());
        assertTrue(ctConf.mkosiConf().contains("ExtraTrees=\n        agent:/\n"), ctConf.mkosiConf());
        assertFalse(ctConf.mkosiConf().contains("vm:/"), ctConf.mkosiConf());
        assertTrue(ctConf.files().keySet().stream().noneMatch(k -> k.startsWith("vm/")), "nspawn images stay as they were");
    }
}
