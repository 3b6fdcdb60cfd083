# The fuzz targets of issue #14 (the header writer and the address
# parser), for the lead to fold into #17's `make fuzz`.  Built with clang's
# libFuzzer against lib/ compiled with the same instrumentation:
#
#   make -f Makefile -f tests/fuzz/issue14.mk fuzz14          # 60 s each
#   make -f Makefile -f tests/fuzz/issue14.mk fuzz14 FUZZ_SECONDS=5
FUZZ_SECONDS ?= 60
FUZZ14_BUILD := $(BUILD)/fuzz14
FUZZ14_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ14_LIB := lib/mail.c lib/mail_header.c lib/mail_sbuf.c lib/address.c lib/xmalloc.c
FUZZ14_TARGETS := $(FUZZ14_BUILD)/fuzz_header $(FUZZ14_BUILD)/fuzz_address

$(FUZZ14_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ14_LIB)
	@mkdir -p $(@D)
	$(E) FUZZCC $@
	$(Q)clang $(ALL_CPPFLAGS) $(FUZZ14_FLAGS) -o $@ $< $(FUZZ14_LIB)

.PHONY: fuzz14
fuzz14: $(FUZZ14_TARGETS)
	$(Q)for t in $(FUZZ14_TARGETS); do \
	    mkdir -p $(FUZZ14_BUILD)/corpus-$$(basename $$t) && \
	    $$t -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	        $(FUZZ14_BUILD)/corpus-$$(basename $$t) || exit 1; done
