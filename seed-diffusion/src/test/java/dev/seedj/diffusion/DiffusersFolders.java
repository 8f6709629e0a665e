package dev.seedj.diffusion;

import dev.seedj.core.testing.Oracle;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Builds variants of the {@code sd-unclip-tiny} diffusers folder out of symbolic links to the fixture. */
final class DiffusersFolders {
    static final String CASE = "sd-unclip-tiny";

    private DiffusersFolders() {}

    /**
     * @param target where to build the folder
     * @param weightSuffix the only weight files linked: {@code .bin} or {@code .safetensors}
     * @param leaveOut components (top-level entries) not linked
     * @return {@code target}
     */
    static Path linkedCopy(Path target, String weightSuffix, List<String> leaveOut) {
        Path source = Oracle.path(CASE);
        try (Stream<Path> entries = Files.list(source)) {
            Files.createDirectories(target);
            for (Path entry : entries.toList()) {
                String name = entry.getFileName().toString();
                if (leaveOut.contains(name)) {
                    continue;
                }
                if (!Files.isDirectory(entry)) {
                    Files.createSymbolicLink(target.resolve(name), entry.toAbsolutePath());
                    continue;
                }
                Path dir = Files.createDirectories(target.resolve(name));
                try (Stream<Path> files = Files.list(entry)) {
                    for (Path file : files.toList()) {
                        String fileName = file.getFileName().toString();
                        if (fileName.startsWith("diffusion_pytorch_model.") && !fileName.endsWith(weightSuffix)) {
                            continue;
                        }
                        Files.createSymbolicLink(dir.resolve(fileName), file.toAbsolutePath());
                    }
                }
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
