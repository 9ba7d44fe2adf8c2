// What can be done to a node from its menu, given its state: the supervisor commands behind each item. Pure, so
// the menu's contents are tested without a browser.
import type { Command } from '../../../sandboxes/contracts/commands';
import type { ViewState } from './state';
import { CLIENT } from './layout';
import { CLIENT_ADDRESS, isCut, links } from './topology-links';

export interface NodeAction {
  label: string;
  command: Command;
}

export function nodeActions(state: ViewState, name: string): NodeAction[] {
  const node = state.nodes.find((n) => n.name === name);
  if (!node) return [];
  const actions: NodeAction[] = [];
  if (node.process === 'running') {
    actions.push({ label: `Kill ${name} (kill -9)`, command: { cmd: 'kill', node: name } });
    actions.push({ label: `Freeze ${name} (SIGSTOP)`, command: { cmd: 'freeze', node: name } });
    actions.push({ label: `Restart ${name}`, command: { cmd: 'restart', node: name } });
  } else if (node.process === 'frozen') {
    actions.push({ label: `Resume ${name} (SIGCONT)`, command: { cmd: 'resume', node: name } });
    actions.push({ label: `Kill ${name} (kill -9)`, command: { cmd: 'kill', node: name } });
  } else if (node.process !== 'starting') {
    actions.push({ label: `Start ${name}`, command: { cmd: 'start', node: name } });
  }
  if (node.role === 'web' && node.process === 'running') {
    const b = node.behaviour;
    if (b && (b.slow_ms > 0 || b.flaky > 0 || b.frozen)) {
      actions.push({
        label: `Make ${name} behave normally`,
        command: { cmd: 'web', node: name, behaviour: { slow_ms: 0, flaky: 0, frozen: false } },
      });
    } else {
      actions.push({
        label: `Make ${name} slow (+800 ms)`,
        command: { cmd: 'web', node: name, behaviour: { slow_ms: 800 } },
      });
      actions.push({
        label: `Make ${name} flaky (half the answers are 500)`,
        command: { cmd: 'web', node: name, behaviour: { flaky: 0.5 } },
      });
    }
  }
  for (const edge of links(state)) {
    if (edge.from !== name && edge.to !== name) continue;
    const other = edge.from === name ? edge.to : edge.from;
    const end = other === CLIENT ? CLIENT_ADDRESS : other;
    const shown = other === CLIENT ? 'the internet' : other;
    actions.push(
      isCut(state, name, other)
        ? { label: `Heal the link to ${shown}`, command: { cmd: 'heal', a: name, b: end } }
        : { label: `Cut the link to ${shown}`, command: { cmd: 'cut', a: name, b: end } },
    );
  }
  return actions;
}
