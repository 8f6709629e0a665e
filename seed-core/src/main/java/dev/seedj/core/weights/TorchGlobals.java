package dev.seedj.core.weights;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import net.razorvine.pickle.IObjectConstructor;

/**
 * The allow-list of Python globals a state-dict pickle may reference, each mapped to a Java stand-in that
 * builds plain data (maps, tuples, {@link TorchTensor} descriptions) and runs nothing from the file.
 * Everything else is refused with an {@link UnsafeCheckpointException} naming the global, at the moment
 * the pickle names it, before any object is built.
 *
 * <p>Allowed: {@code collections.OrderedDict}; {@code torch._utils._rebuild_tensor_v2},
 * {@code _rebuild_tensor}, {@code _rebuild_parameter}, {@code _rebuild_parameter_with_state};
 * {@code torch._tensor._rebuild_from_type_v2} with {@code torch.Tensor} / {@code torch.nn.parameter.Parameter};
 * the storage types of {@link DType} ({@code torch.FloatStorage}, ..., also under {@code torch.cuda});
 * {@code torch.Size}; {@code _codecs.encode} (how protocol 2 pickles Python bytes).
 *
 * <p>Immutable; thread-safe.
 */
final class TorchGlobals {
    /** A {@code torch.*Storage} class: only ever appears inside persistent ids. */
    record StorageType(DType dtype) implements IObjectConstructor {
        @Override
        public Object construct(Object[] args) {
            throw new CheckpointException("the pickle calls the storage type " + dtype.torchStorageName()
                    + ", which torch.save never does");
        }
    }

    /** {@code torch.Tensor} or {@code torch.nn.parameter.Parameter} as the type argument of a rebuild. */
    record TensorType(String name) implements IObjectConstructor {
        @Override
        public Object construct(Object[] args) {
            throw new CheckpointException("the pickle calls " + name + " directly, which torch.save never does");
        }
    }

    private final String file;

    /** @param file the checkpoint, for messages */
    TorchGlobals(String file) {
        this.file = file;
    }

    /**
     * @param module the global's module, e.g. {@code torch._utils}
     * @param name the global's name, e.g. {@code _rebuild_tensor_v2}
     * @return its safe stand-in
     * @throws UnsafeCheckpointException if the global is not on the allow-list
     */
    IObjectConstructor resolve(String module, String name) {
        String global = module + "." + name;
        switch (global) {
            case "collections.OrderedDict":
                return this::orderedDict;
            case "torch._utils._rebuild_tensor_v2":
            case "torch._utils._rebuild_tensor":
                return this::rebuildTensor;
            case "torch._utils._rebuild_parameter":
            case "torch._utils._rebuild_parameter_with_state":
                return this::rebuildParameter;
            case "torch._tensor._rebuild_from_type_v2":
                return this::rebuildFromType;
            case "torch.Tensor":
            case "torch.nn.parameter.Parameter":
                return new TensorType(global);
            case "torch.Size":
                return this::size;
            case "_codecs.encode":
                return this::encode;
            default:
                break;
        }
        if (module.equals("torch") || module.equals("torch.cuda")) {
            for (DType dtype : DType.values()) {
                if (dtype.torchStorageName().equals(name)) {
                    return new StorageType(dtype);
                }
            }
        }
        throw new UnsafeCheckpointException(file, global);
    }

    /** {@code OrderedDict()}: its items follow as SETITEMS. */
    private Object orderedDict(Object[] args) {
        if (args.length != 0) {
            throw malformed("collections.OrderedDict", "called with arguments");
        }
        return new LinkedHashMap<Object, Object>();
    }

    /**
     * {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[,
     * metadata])} or {@code _rebuild_tensor(storage, storage_offset, size, stride)}.
     */
    private Object rebuildTensor(Object[] args) {
        if (args.length < 4 || !(args[0] instanceof TorchStorage storage)) {
            throw malformed("torch._utils._rebuild_tensor_v2", "needs (storage, offset, size, stride, ...)");
        }
        long offset = PickleValues.natural(args[1], file, "tensor storage_offset");
        long[] size = PickleValues.naturals(args[2], file, "tensor size");
        long[] stride = PickleValues.naturals(args[3], file, "tensor stride");
        if (size.length != stride.length) {
            throw malformed("torch._utils._rebuild_tensor_v2", "has size and stride of different lengths");
        }
        return new TorchTensor(storage, offset, size, stride);
    }

    /** {@code _rebuild_parameter(data, requires_grad, backward_hooks[, state])}: the data tensor. */
    private Object rebuildParameter(Object[] args) {
        if (args.length < 1 || !(args[0] instanceof TorchTensor)) {
            throw malformed("torch._utils._rebuild_parameter", "needs a tensor as first argument");
        }
        return args[0];
    }

    /** {@code _rebuild_from_type_v2(func, type, args, state)}: {@code func(*args)}, a tensor. */
    private Object rebuildFromType(Object[] args) {
        if (args.length != 4 || !(args[0] instanceof IObjectConstructor func) || !(args[1] instanceof TensorType)
                || !(args[2] instanceof Object[] funcArgs)) {
            throw malformed("torch._tensor._rebuild_from_type_v2", "needs (rebuild function, tensor type, args, "
                    + "state)");
        }
        Object tensor = func.construct(funcArgs);
        if (!(tensor instanceof TorchTensor)) {
            throw malformed("torch._tensor._rebuild_from_type_v2", "did not rebuild a tensor");
        }
        return tensor;
    }

    /** {@code torch.Size(tuple)}: the tuple. */
    private Object size(Object[] args) {
        if (args.length != 1 || !(args[0] instanceof Object[])) {
            throw malformed("torch.Size", "needs one tuple");
        }
        return args[0];
    }

    /** {@code _codecs.encode(text, 'latin1')}: how protocol 2 pickles Python bytes. */
    private Object encode(Object[] args) {
        if (args.length != 2 || !(args[0] instanceof String text)
                || !("latin1".equals(args[1]) || "latin-1".equals(args[1]))) {
            throw malformed("_codecs.encode", "supports only (str, 'latin1')");
        }
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private CheckpointException malformed(String global, String what) {
        return new CheckpointException(file + ": malformed pickle: " + global + " " + what);
    }
}
