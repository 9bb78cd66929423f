// The program's areas, in the order of the sub-navigation: each is shown only to roles
// holding one of its permissions (the permission of its mutations in schema/).
import type { ComponentType } from "react";

export type Area = {
  path: string;
  label: string;
  /** What the area is for, under its heading. */
  summary: string;
  anyOf: string[];
  component: ComponentType;
};
