// Events of the firewall (sandboxes/network/firewall): what a node's rules dropped or rejected.

/** A connection the firewall of this node dropped or rejected (what ufw logs as [UFW BLOCK]). */
export interface FirewallEvent {
  type: 'firewall.block';
  action: 'DROP' | 'REJECT' | 'LIMIT';
  source: string;
  destination: string;
}
