# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own lib/maple_tree.c and the userspace shims of
# tools/testing/shared and tools/lib, built from the extracted Debian
# linux-source-7.3 tree (scripts/kernel-source) the way the kernel's
# radix-tree and vma test suites build them. Nothing here is committed
# kernel source: the files are read from $(KSRC) at build time.

KSHIM_DIR := $(O)/kshim
KSHIM_LIB := $(KSHIM_DIR)/libkshim.a

# sim/include first: the harness's locks, bitops and atomics (lockdep and
# ThreadSanitizer see the shims' accesses as the kernel's).
KSHIM_CPPFLAGS := -I$(KSHIM_DIR) -Isim/include \
	-I$(KSRC)/tools/testing/shared -I$(KSRC)/tools/include \
	-I$(KSRC)/tools/arch/x86/include -I$(KSRC)/lib -D_LGPL_SOURCE

# Kernel code is not ours to clean up: its warnings are not errors here.
KSHIM_CFLAGS := $(OPTFLAGS) $(SANFLAGS) -g -w \
	-include $(KSHIM_DIR)/generated/autoconf.h

KSHIM_OBJS := $(addprefix $(KSHIM_DIR)/, maple-shim.o xarray-shared.o \
	radix-tree.o idr.o linux.o slab.o find_bit.o bitmap.o hweight.o \
	vsprintf.o lockdep.o)

# The harness's stand-ins that the shims compile against (locks, bitops).
KSHIM_HDRS := $(wildcard sim/include/*.h sim/include/linux/*.h \
	sim/include/asm/*.h)

KSHIM_GEN := $(KSHIM_DIR)/generated/autoconf.h \
	$(KSHIM_DIR)/generated/map-shift.h $(KSHIM_DIR)/generated/bit-length.h

$(KSHIM_DIR)/generated/autoconf.h: $(KSRC_STAMP)
	@mkdir -p $(dir $@)
	cp $(KSRC)/tools/testing/shared/autoconf.h $@

$(KSHIM_DIR)/generated/map-shift.h: $(KSRC_STAMP)
	@mkdir -p $(dir $@)
	echo '#define XA_CHUNK_SHIFT 3' >$@

$(KSHIM_DIR)/generated/bit-length.h: $(KSRC_STAMP)
	@mkdir -p $(dir $@)
	printf '#define CONFIG_64BIT 1\n#define CONFIG_PHYS_ADDR_T_64BIT 1\n' >$@

# radix-tree.c and idr.c are built with their static functions exported,
# as tools/testing/shared/shared.mk does.
$(KSHIM_DIR)/%.c: $(KSRC)/lib/%.c
	@mkdir -p $(dir $@)
	sed -e 's/^static //' -e 's/__always_inline //' -e 's/inline //' <$< >$@

$(KSHIM_DIR)/radix-tree.o $(KSHIM_DIR)/idr.o: $(KSHIM_DIR)/%.o: \
		$(KSHIM_DIR)/%.c $(KSHIM_GEN) $(KSHIM_HDRS)
	$(CC) $(KSHIM_CFLAGS) $(KSHIM_CPPFLAGS) -c $< -o $@

$(KSHIM_DIR)/maple-shim.o $(KSHIM_DIR)/xarray-shared.o $(KSHIM_DIR)/linux.o: \
		$(KSHIM_DIR)/%.o: $(KSRC_STAMP) $(KSHIM_GEN) $(KSHIM_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(KSHIM_CFLAGS) $(KSHIM_CPPFLAGS) \
		-c $(KSRC)/tools/testing/shared/$*.c -o $@

$(KSHIM_DIR)/slab.o $(KSHIM_DIR)/find_bit.o $(KSHIM_DIR)/bitmap.o \
$(KSHIM_DIR)/hweight.o $(KSHIM_DIR)/vsprintf.o: \
		$(KSHIM_DIR)/%.o: $(KSRC_STAMP) $(KSHIM_GEN) $(KSHIM_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(KSHIM_CFLAGS) $(KSHIM_CPPFLAGS) -c $(KSRC)/tools/lib/$*.c -o $@

$(KSHIM_LIB): $(KSHIM_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

# The harness's lockdep, behind the spinlocks the shims are built with.
$(KSHIM_DIR)/lockdep.o: sim/lockdep.c $(KSHIM_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isim/include -c $< -o $@
