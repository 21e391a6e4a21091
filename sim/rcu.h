/* SPDX-License-Identifier: GPL-2.0 */
/*
 * liburcu for the harness itself, behind functions: the liburcu macros
 * clash with the tools shims' kernel.h, which defines synchronize_rcu()
 * away.
 *
 * The memslots' SRCU (kvm->srcu): faults read memslot flags inside a
 * read-side section; a flags update waits for a grace period before it
 * acts on the new flags, as kvm_set_memslot() does.
 */
#ifndef NVRMAP_SIM_RCU_H
#define NVRMAP_SIM_RCU_H

void memslots_read_lock(void);
void memslots_read_unlock(void);
void memslots_synchronize(void);

/* Every thread that enters the code under test (maple tree RCU readers). */
void sim_rcu_register_thread(void);
void sim_rcu_unregister_thread(void);

#endif
