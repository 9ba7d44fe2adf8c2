// Events of keepalived's model (sandboxes/vrrp): the balancer pair's VRRP states and advertisements.

/** A VRRP instance changed state or effective priority; a MASTER holds (and has announced) the virtual addresses. */
export interface VrrpStateEvent {
  type: 'vrrp.state';
  instance: string;
  vrid: number;
  state: 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';
  priority: number;
  vips: string[];
  /**
   * On a takeover by a BACKUP: how long it went without adverts before becoming MASTER, by its own clock: the
   * Master_Down_Interval after a crash, the Skew_Time after a priority-0 advert.
   */
  waited_ms?: number;
}

/** A VRRP advertisement arrived (the heartbeat between the pair; a backup's Master_Down timer restarts on it). */
export interface VrrpAdvertEvent {
  type: 'vrrp.advert';
  instance: string;
  vrid: number;
  from: string;
  priority: number;
}

export type VrrpEvent = VrrpStateEvent | VrrpAdvertEvent;
