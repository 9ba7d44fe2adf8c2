// What a node is in a topology, written once: the scenario format validates against ROLES, the supervisor's status
// reports one, and the page draws each one (src/sandbox/view/). A role is the node's part in the stack, not the
// program it runs: keepalived's nodes are balancers that run the vrrp program.
export const ROLES = ['balancer', 'web', 'store', 'vrrp', 'monitor'] as const;

export type Role = (typeof ROLES)[number];

/** The roles that answer HTTP from outside: a load (the shell's `load`, the panel's control) is aimed at one of them. */
export const FRONT_DOORS: readonly Role[] = ['web', 'balancer', 'vrrp'];
