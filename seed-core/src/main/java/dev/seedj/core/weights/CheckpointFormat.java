package dev.seedj.core.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The file formats {@link StateDict#open} reads, told apart by their first bytes (never by the file name).
 */
enum CheckpointFormat {
    /** 8-byte little-endian header length, then a JSON header starting with '{'. */
    SAFETENSORS,
    /** A zip archive ({@code PK\3\4}), as {@code torch.save} writes since PyTorch 1.6. */
    TORCH_ZIP,
    /** A protocol-2+ pickle ({@code \x80 \x02..\x05}) opening the legacy {@code torch.save} format. */
    TORCH_LEGACY;

    private static final int PROBE_BYTES = 512;

    /**
     * @param file a regular file
     * @return its format
     * @throws CheckpointException if the file cannot be read or is none of the formats
     */
    static CheckpointFormat detect(Path file) {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(PROBE_BYTES);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read: " + e, e);
        }
        if (head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            return TORCH_ZIP;
        }
        // before the pickle test: a safetensors header length like 0x0280 also starts with 0x80 0x02, while
        // a legacy file's byte 8 lies inside its magic number (protocol 2) or frame length (protocol 4+)
        if (head.length >= 9 && head[8] == '{') {
            return SAFETENSORS;
        }
        if (head.length >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5) {
            return TORCH_LEGACY;
        }
        if (head.length >= 262 && new String(Arrays.copyOfRange(head, 257, 262), StandardCharsets.US_ASCII)
                .equals("ustar")) {
            throw new CheckpointException(file + ": a tar archive (the torch.save format before PyTorch 0.4) is "
                    + "not supported; re-save it with a recent PyTorch");
        }
        throw new CheckpointException(file + ": not a safetensors file, a torch.save zip checkpoint or a legacy "
                + "torch.save file (" + head.length + " bytes read; unrecognised first bytes)");
    }

    /**
     * @param file a file of this format
     * @return its tensors
     */
    StateDict open(Path file) {
        return switch (this) {
            case SAFETENSORS -> SafetensorsFile.open(file);
            case TORCH_ZIP -> TorchZipCheckpoint.open(file);
            case TORCH_LEGACY -> TorchLegacyCheckpoint.open(file);
        };
    }
}
